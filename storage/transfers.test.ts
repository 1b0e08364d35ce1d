/**
 * The transfer projection against the real PostgreSQL: storing a later attempt (a speed-up) must not replace the
 * hash of the attempt that was sent, nor move a `submitted` transfer back to `signed`. Before the fix the
 * storeSigned activity wrote `{ status: 'signed', transactionHash: <new attempt> }` for every attempt; when the
 * first attempt then landed, the workflow saw its own hash unchanged and never rewrote it, so the transfer ended
 * `finalized` with the hash of a replacement that was never mined (found by the kill drill at scale).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from './db.js';
import { applyStatusPatch, recordSignedAttempt } from './transfers.js';

let prisma: PrismaClient;
beforeAll(() => {
  prisma = createPrisma(process.env.DATABASE_URL!);
});
afterAll(() => prisma.$disconnect());

async function transferRow(): Promise<string> {
  const tenantId = `tenant-${randomUUID()}`;
  const walletId = randomUUID();
  await prisma.tenant.create({ data: { id: tenantId, name: 'projection test' } });
  await prisma.wallet.create({ data: { id: walletId, tenantId } });
  const id = `tr_${randomUUID()}`;
  await prisma.transfer.create({
    data: {
      id,
      tenantId,
      walletId,
      idempotencyKey: id,
      requestHash: 'h',
      workflowId: `wf-${id}`,
      chain: 'anvil',
      caip2: 'eip155:31337',
      fromAddress: '0x00D9c9c07D44FFAF1aA27FD9AC98ad6172e3Dffa',
      toAddress: '0x924c51332b97f801d054d11f46754C31c7e2c50C',
      token: 'NATIVE',
      tokenDecimals: 18,
      amount: '0.003',
      rawAmount: '3000000000000000',
      requiredConfirmations: 2,
    },
  });
  return id;
}

describe('recordSignedAttempt', () => {
  it('a speed-up stored after the first attempt was sent keeps the sent hash and the submitted status', async () => {
    const id = await transferRow();
    await recordSignedAttempt(prisma, id, 1, '0xa1', '6');
    expect(await prisma.transfer.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'signed',
      transactionHash: '0xa1',
      nonce: '6',
    });
    await applyStatusPatch(prisma, id, { status: 'submitted', transactionHash: '0xa1' });
    await recordSignedAttempt(prisma, id, 2, '0xa2', '6'); // same-nonce speed-up, not (yet) accepted
    expect(await prisma.transfer.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'submitted',
      transactionHash: '0xa1',
      nonce: '6',
    });
  });

  it('a re-sign with a new nonce (every earlier attempt proven dead) records the nonce it holds', async () => {
    const id = await transferRow();
    await recordSignedAttempt(prisma, id, 1, '0xb1', '3');
    await applyStatusPatch(prisma, id, { status: 'submitted', transactionHash: '0xb1' });
    await recordSignedAttempt(prisma, id, 2, '0xb2', '4');
    expect(await prisma.transfer.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'submitted',
      transactionHash: '0xb1',
      nonce: '4',
    });
  });
});

describe('applyStatusPatch: finalized, failed and replaced never change', () => {
  const terminal = [
    { status: 'finalized', patch: { status: 'finalized', transactionHash: '0xf1', confirmations: 3 } },
    { status: 'failed', patch: { status: 'failed', error: { id: 'tx_expired', message: 'every attempt expired' } } },
    { status: 'replaced', patch: { status: 'replaced', transactionHash: '0xc1', confirmations: 2 } },
  ] as const;

  for (const t of terminal) {
    it(`a later write after ${t.status} is ignored, and no webhook event is written for it`, async () => {
      const id = await transferRow();
      await recordSignedAttempt(prisma, id, 1, '0xe1', '9');
      await applyStatusPatch(prisma, id, { status: 'submitted', transactionHash: '0xe1' });
      await applyStatusPatch(prisma, id, t.patch);
      const settled = await prisma.transfer.findUniqueOrThrow({ where: { id } });
      expect(settled.status).toBe(t.status);
      const events = await prisma.webhookEvent.count({ where: { transferId: id } });
      expect(events).toBeGreaterThan(0); // the outbox does write transitions, so "none more" below means something

      // A late or replayed write (a reorg read, a stale status check, a second failure) must not move it.
      await applyStatusPatch(prisma, id, {
        status: 'submitted',
        transactionHash: '0xlate',
        confirmations: 0,
        blockNumber: null,
        error: { id: 'rpc_failed', message: 'late' },
      });
      await applyStatusPatch(prisma, id, { status: t.status === 'failed' ? 'finalized' : 'failed' });
      await recordSignedAttempt(prisma, id, 1, '0xlate', '10');

      const after = await prisma.transfer.findUniqueOrThrow({ where: { id } });
      expect(after).toEqual(settled);
      expect(await prisma.webhookEvent.count({ where: { transferId: id } })).toBe(events);
    });
  }
});
