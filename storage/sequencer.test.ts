/**
 * The nonce sequencer against the real PostgreSQL: one nonce never reaches two transfers, a rebuild after the
 * chain consumed a nonce moves on, and caller-forced nonces stay inside the window.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from './db.js';
import { markNonceUsed, releaseNonce, reserveNonce } from './sequencer.js';

let prisma: PrismaClient;
beforeAll(() => {
  prisma = createPrisma(process.env.DATABASE_URL!);
});
afterAll(() => prisma.$disconnect());

const wallet = () => ({ network: 'anvil', address: `0x${randomUUID().replaceAll('-', '').padEnd(40, '0')}` });
const statusOf = async (transferId: string) =>
  (await prisma.nonceReservation.findUnique({ where: { transferId } }))?.status;

describe('reserveNonce', () => {
  it('A reserves → A releases → A reserves → B reserves: A holds its nonce again (reserved), B gets the next', async () => {
    const w = wallet();
    const a = await reserveNonce(prisma, { ...w, transferId: 'A1', chainNonce: 5n });
    await releaseNonce(prisma, 'A1');
    const again = await reserveNonce(prisma, { ...w, transferId: 'A1', chainNonce: 5n });
    expect(again).toBe(a);
    expect(await statusOf('A1')).toBe('reserved');
    const b = await reserveNonce(prisma, { ...w, transferId: 'B1', chainNonce: 5n });
    expect(b).not.toBe(a);
    await markNonceUsed(prisma, 'A1');
    expect(await statusOf('A1')).toBe('used');
  });

  it('A reserves → A releases → B reserves → A reserves: distinct nonces', async () => {
    const w = wallet();
    const a = await reserveNonce(prisma, { ...w, transferId: 'A2', chainNonce: 0n });
    await releaseNonce(prisma, 'A2');
    const b = await reserveNonce(prisma, { ...w, transferId: 'B2', chainNonce: 0n });
    expect(b).toBe(a); // the freed nonce fills the gap
    const a2 = await reserveNonce(prisma, { ...w, transferId: 'A2', chainNonce: 0n });
    expect(a2).not.toBe(b);
    expect(await statusOf('A2')).toBe('reserved');
    expect(await statusOf('B2')).toBe('reserved');
  });

  it('concurrent reservations of one address never share a nonce', async () => {
    const w = wallet();
    const ids = Array.from({ length: 12 }, (_, i) => `C${i}-${randomUUID()}`);
    const nonces = await Promise.all(
      ids.map((transferId) => reserveNonce(prisma, { ...w, transferId, chainNonce: 3n })),
    );
    expect(new Set(nonces).size).toBe(ids.length);
    expect([...nonces].sort((x, y) => Number(x - y))).toEqual(ids.map((_, i) => BigInt(3 + i)));
  });

  it('a rebuild after the chain consumed our nonce ("nonce too low") gets a fresh nonce, not the stale one', async () => {
    const w = wallet();
    const stale = await reserveNonce(prisma, { ...w, transferId: 'D1', chainNonce: 7n });
    await markNonceUsed(prisma, 'D1');
    // Another transaction took nonce 7 on chain; the workflow proved our attempt dead and released.
    await releaseNonce(prisma, 'D1');
    const fresh = await reserveNonce(prisma, { ...w, transferId: 'D1', chainNonce: 8n });
    expect(stale).toBe(7n);
    expect(fresh).toBe(8n);
  });

  it('keeps forced nonces exact above 2^53 and inside the window; refuses below the chain or far ahead', async () => {
    const w = wallet();
    const big = 2n ** 60n + 1n;
    const got = await reserveNonce(prisma, { ...w, transferId: 'F1', chainNonce: big, forced: big + 3n });
    expect(got).toBe(big + 3n);
    await expect(
      reserveNonce(prisma, { ...w, transferId: 'F2', chainNonce: big, forced: big - 1n }),
    ).rejects.toMatchObject({ id: 'bad_nonce' });
    await expect(
      reserveNonce(prisma, { ...w, transferId: 'F3', chainNonce: big, forced: big + 17n }),
    ).rejects.toMatchObject({ id: 'bad_nonce' });
    await expect(
      reserveNonce(prisma, { ...w, transferId: 'F4', chainNonce: big, forced: big + 3n }),
    ).rejects.toMatchObject({ id: 'bad_nonce' }); // held by F1
    expect(await prisma.nonceReservation.count({ where: { transferId: { in: ['F2', 'F3', 'F4'] } } })).toBe(0);
  });
});
