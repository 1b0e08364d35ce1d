/**
 * Continue-as-new for real: a Temporal dev server of its own that suggests continue-as-new after 40 history events
 * (`limit.historyCount.suggestContinueAsNew=40`), a transfer that needs 12 confirmations (≈ 12 s of 1 s blocks and
 * dozens of status polls). The transfer is carried across runs and finalizes with one signed attempt, its
 * confirmation count visibly grows block by block on the way, and
 * GET /v1/transfers/:id/history tells the whole story across every run: one start, the steps of the first run, each
 * continuation, all the status checks, one close.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { startTemporal, type TemporalHandle } from '../../scripts/stack/temporal.js';
import { fundedServerWallet, startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

let temporal: TemporalHandle;
let stack: TestStack;

beforeAll(async () => {
  temporal = await startTemporal({ ui: false, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
  const chains = new ChainRegistry(loadNetworks({ ...process.env, REQUIRED_CONFIRMATIONS_ANVIL: '12' }));
  stack = await startTestStack({ chains, env: { TEMPORAL_ADDRESS: temporal.address } });
});
afterAll(async () => {
  await stack?.close();
  await temporal?.stop();
});

interface HistoryEvent {
  event: string;
  step?: string;
  detail?: string;
}

describe('continue-as-new', () => {
  it('a long watch continues as new; the transfer finalizes once and /history shows every run', async () => {
    const wallet = await fundedServerWallet(stack, 'can', '1');
    const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
    const sent = await stack.call<{ transferId: string }>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to, token: 'NATIVE', amount: '0.001', walletId: wallet.walletId },
      { 'idempotency-key': `can-${to}` },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    // While `confirmed`, the row's confirmation count moves block by block (written by the status checks).
    const depths = new Set<number>();
    const final = await waitForTransfer<{ status: string; confirmations: number }>(
      stack,
      sent.body.transferId,
      (t) => {
        if (t.status === 'confirmed') depths.add(t.confirmations);
        return ['finalized', 'failed', 'replaced'].includes(t.status);
      },
      90_000,
    );
    expect(depths.size, `confirmation counts seen while confirmed: ${[...depths]}`).toBeGreaterThanOrEqual(4);
    expect(final.status).toBe('finalized');
    expect(final.confirmations).toBeGreaterThanOrEqual(12);
    expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: sent.body.transferId } })).toBe(1);

    // `finalized` is written before the workflow's last steps: read the history once the workflow has closed.
    const row = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: sent.body.transferId } });
    await stack.apiTemporal.workflow.getHandle(row.workflowId).result();
    const history = await stack.call<{ events: HistoryEvent[] }>(
      'GET',
      `/v1/transfers/${sent.body.transferId}/history`,
    );
    expect(history.status).toBe(200);
    // Temporal's own events only (the attempts' signed / dead events from PostgreSQL are merged in by time).
    const events = history.body.events.filter((e) => !e.event.startsWith('attempt.'));
    const names = events.map((e) => e.event);
    const continued = names.filter((n) => n === 'transfer.continued_as_new').length;
    expect(continued, JSON.stringify(names)).toBeGreaterThanOrEqual(1);
    expect(names.filter((n) => n === 'transfer.started')).toHaveLength(1);
    expect(names[0]).toBe('transfer.started');
    // The first run's steps are still there after the continuations.
    expect(events.some((e) => e.event === 'step.completed' && e.step === 'prepare_attempt')).toBe(true);
    expect(events.some((e) => e.event === 'step.completed' && e.step === 'broadcast')).toBe(true);
    expect(names).toContain('caller.answered');
    const closed = events.filter((e) => e.event === 'transfer.closed');
    expect(closed).toHaveLength(1);
    expect(names.at(-1)).toBe('transfer.closed');
    // Status checks are counted across runs: more than any single run of ≤ 40 events could hold.
    const checks = Number(/^(\d+) status checks$/.exec(closed[0]!.detail ?? '')?.[1]);
    expect(checks).toBeGreaterThan(4);
  }, 150_000);
});
