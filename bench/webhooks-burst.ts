/**
 * A burst of state changes delivered as webhooks: N transfer status changes (submitted → confirmed → finalized
 * per transfer, written concurrently through applyStatusPatch, i.e. the outbox) to one loopback receiver.
 * Reports write time, time until the last event is delivered, delivery latency percentiles, order per transfer
 * and duplicates.
 *
 *   npx tsx bench/webhooks-burst.ts [N=1000]
 *
 * Starts its own PostgreSQL, Temporal dev server and anvil (the test stack); default dispatcher settings
 * except WEBHOOK_ALLOW_PRIVATE=true (loopback receiver).
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { applyStatusPatch } from '../storage/transfers.js';
import setupStack from '../test/global-setup.js';
import { startTestStack } from '../test/support/stack.js';
import { startReceiver } from '../test/support/webhook-receiver.js';
import { createWebhookDispatcher } from '../worker.js';

const N = Number(process.argv[2] ?? 1000);
const STATUSES = ['submitted', 'confirmed', 'finalized'] as const;

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const teardown = await setupStack();
  const stack = await startTestStack({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const dispatcher = createWebhookDispatcher(stack.runtime, pino({ level: 'silent' }));
  const receiver = await startReceiver();
  try {
    const ep = await stack.call<{ id: string }>('POST', '/v1/webhooks', { url: receiver.url });
    if (ep.status !== 201) throw new Error(JSON.stringify(ep.body));
    const tenantId = stack.env.DEV_TENANT_ID!;
    const walletId = randomUUID();
    const prisma = stack.runtime.prisma;
    await prisma.wallet.create({ data: { id: walletId, tenantId } });
    const transfers = Math.ceil(N / STATUSES.length);
    const ids = Array.from({ length: transfers }, () => `tr_${randomUUID()}`);
    await prisma.transfer.createMany({
      data: ids.map((id) => ({
        id,
        tenantId,
        walletId,
        idempotencyKey: id,
        requestHash: 'h',
        workflowId: `wf-${id}`,
        chain: 'anvil',
        caip2: 'eip155:31337',
        fromAddress: '0x01',
        toAddress: '0x02',
        token: 'NATIVE',
        tokenDecimals: 18,
        amount: '1',
        rawAmount: '1',
        requiredConfirmations: 1,
      })),
    });
    // BENCH_DISPATCH_AFTER_WRITES=1: measure delivery alone (the dispatcher starts once every change is written).
    const after = process.env.BENCH_DISPATCH_AFTER_WRITES === '1';
    if (!after) dispatcher.start();
    const writtenAt = new Map<string, number>();
    const started = Date.now();
    // 20 transfers progress concurrently, each one state at a time (as their workflows would).
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          for (const status of STATUSES) {
            await applyStatusPatch(prisma, id, { status });
            writtenAt.set(`${id}:${status}`, Date.now());
          }
        }
      }),
    );
    const written = Date.now() - started;
    const dispatchFrom = Date.now();
    if (after) dispatcher.start();
    const total = ids.length * STATUSES.length;
    await receiver.waitFor(() => receiver.accepted().length >= total, 600_000);
    const delivered = Date.now() - started;
    const got = receiver.accepted();
    const latency = got.map((h) => h.at - writtenAt.get(`${h.json.data.transferId}:${h.json.data.status}`)!);
    const lastSeq = new Map<string, number>();
    let outOfOrder = 0;
    for (const h of got) {
      const t = h.json.data.transferId as string;
      if ((lastSeq.get(t) ?? 0) >= h.json.data.sequence) outOfOrder++;
      lastSeq.set(t, h.json.data.sequence);
    }
    console.log(
      JSON.stringify(
        {
          stateChanges: total,
          writeAllMs: written,
          deliverAllMs: delivered,
          dispatchOnlyMs: Date.now() - dispatchFrom,
          perSecond: Math.round((total / delivered) * 1000),
          latencyP50Ms: pct(latency, 50),
          latencyP99Ms: pct(latency, 99),
          outOfOrder,
          duplicates: got.length - new Set(got.map((h) => h.id)).size,
          requests: receiver.received.length,
        },
        null,
        2,
      ),
    );
  } finally {
    await dispatcher.stop();
    await receiver.stop();
    await stack.close();
    await teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
