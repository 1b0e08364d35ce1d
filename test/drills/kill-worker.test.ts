/**
 * Kill drill: a worker PROCESS is SIGKILLed (and, in the second case, SIGTERMed as a deploy does) while a burst of
 * transfers is between preflight and broadcast, then a new worker process takes over. Every transfer must end `finalized` with exactly one signed
 * transaction stored and exactly one transaction on chain per transfer (no double broadcast, no loss).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

let stack: TestStack;
const children = new Set<ChildProcess>();

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    env: { ...process.env, ...stack.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function waitForPollers(present: boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${stack.url}/health`);
    const body = (await res.json()) as { checks: { worker: { ok: boolean } } };
    if (body.checks.worker.ok === present) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`worker pollers never became ${present ? 'present' : 'absent'}`);
}

beforeAll(async () => {
  stack = await startTestStack();
  await stack.stopWorker(); // only separate worker processes from here on
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await stack?.close();
});

/**
 * Five sends from one fresh wallet; `signal` goes to the worker process as soon as one transfer is between signing and
 * RPC acceptance; a new worker process takes over. Returns after every check passed.
 */
async function drill(signal: 'SIGKILL' | 'SIGTERM', tag: string): Promise<void> {
  const rpc = createEvmClient(process.env.RPC_URL_ANVIL!);
  const wallet = await stack.call<{ walletId: string; address: string }>('POST', '/api/wallets', { userId: tag });
  await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: wallet.body.address, amount: '5' });

  const first = startWorkerProcess();
  await waitForPollers(true);
  const recipients = Array.from(
    { length: 5 },
    () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex,
  );
  const sends = Array.from({ length: 5 }, (_, i) =>
    stack.call<{ transferId: string }>(
      'POST',
      '/v1/assets/send',
      {
        chain: 'anvil',
        to: recipients[i],
        token: 'NATIVE',
        amount: '0.01',
        walletId: wallet.body.walletId,
      },
      { 'idempotency-key': `${tag}-${i}` },
    ),
  );
  // Kill at the most dangerous moment: as soon as a transfer has its signed bytes stored but is not yet
  // accepted by the RPC (status `signed`), while others are still earlier in the pipeline.
  const keys = recipients.map((_, i) => `${tag}-${i}`);
  let atKill: string[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const rows = await stack.runtime.prisma.transfer.findMany({
      where: { idempotencyKey: { in: keys } },
      select: { status: true },
    });
    if (rows.some((r) => r.status === 'signed')) {
      atKill = rows.map((r) => r.status);
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(atKill, 'a transfer was caught between signing and RPC acceptance').toContain('signed');
  const signalled = Date.now();
  first.kill(signal);
  // SIGTERM: the SDK stops polling and lets running activities finish (shutdownGraceTime) before it exits.
  await new Promise((r) => first.once('exit', r));
  console.log(`${signal}: the first worker exited after ${Date.now() - signalled} ms`);
  startWorkerProcess();

  const responses = await Promise.all(sends);
  for (const r of responses) expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
  const transferIds = await Promise.all(
    responses.map(async (r, i) => {
      if (r.body?.transferId) return r.body.transferId;
      const row = await stack.runtime.prisma.transfer.findFirstOrThrow({ where: { idempotencyKey: `${tag}-${i}` } });
      return row.id;
    }),
  );
  const finals = await Promise.all(
    transferIds.map((id) => waitForTransfer<{ status: string; nonce: string }>(stack, id, undefined, 150_000)),
  );
  expect(
    finals.map((f) => f.status),
    JSON.stringify(finals),
  ).toEqual(['finalized', 'finalized', 'finalized', 'finalized', 'finalized']);
  // Strings compared as such: a missing nonce (null) must not pass as 0.
  expect(finals.map((f) => f.nonce).sort(), 'every finalized transfer shows the nonce it was mined with').toEqual([
    '0',
    '1',
    '2',
    '3',
    '4',
  ]);
  // A transfer waiting behind the killed worker's nonce may be bumped (same nonce, stuckAfterMs); whatever was
  // signed, every attempt of one transfer holds that transfer's nonce and exactly one of them is mined.
  for (const [i, id] of transferIds.entries()) {
    const attempts = await stack.runtime.prisma.transferAttempt.findMany({ where: { transferId: id } });
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    const nonces = new Set(attempts.map((a) => String((a.details as { nonce?: unknown }).nonce)));
    expect([...nonces], `transfer ${i}: every attempt signs the same nonce`).toEqual([finals[i]!.nonce]);
    const mined = await Promise.all(
      attempts.map((a) =>
        rpc.getTransactionReceipt({ hash: a.txHash as Hex }).then(
          () => a.txHash,
          () => null,
        ),
      ),
    );
    expect(mined.filter(Boolean), `transfer ${i}: one attempt on chain`).toHaveLength(1);
  }
  expect(await rpc.getTransactionCount({ address: wallet.body.address as Hex })).toBe(5);
  for (const to of recipients) expect(await rpc.getBalance({ address: to })).toBe(10n ** 16n);
  console.log(`${signal}: all 5 finalized ${Date.now() - signalled} ms after the signal`);
}

describe('kill drill', () => {
  it('SIGKILL of the worker mid-burst: every transfer finalizes, its attempts share one nonce, one on chain each', async () => {
    await drill('SIGKILL', 'kill');
  }, 240_000);

  it('SIGTERM mid-burst (a deploy): the worker drains, nothing is lost or signed twice, the next worker finishes all', async () => {
    await drill('SIGTERM', 'term');
  }, 240_000);
});
