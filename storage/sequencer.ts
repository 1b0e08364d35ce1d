/**
 * Durable nonce / sequence-number sequencer per (network, address), in PostgreSQL.
 *
 * - One reservation per transfer (idempotent: a retried activity gets the same nonce).
 * - The cursor never trails the chain: next = max(cursor, chain's pending nonce), so a transaction sent
 *   from outside the orchestrator does not cause "nonce too low" loops (cf. OpenZeppelin Relayer #818/#843).
 * - A nonce released by a transfer that failed before broadcast is handed out again first, so a failure
 *   does not leave a permanent gap behind later transactions.
 * Rows for one address are serialised with a row lock on the cursor.
 */

import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface NonceRequest {
  network: string;
  address: string;
  transferId: string;
  /** The next nonce the chain itself expects (pending included). */
  chainNonce: bigint;
  /** Caller-forced nonce (Portal's `nonce`). */
  forced?: bigint;
}

export async function reserveNonce(prisma: PrismaClient, req: NonceRequest): Promise<bigint> {
  return prisma.$transaction(async (tx) => {
    const mine = await tx.$queryRaw<{ nonce: string }[]>`
      SELECT nonce::text AS nonce FROM "NonceReservation" WHERE "transferId" = ${req.transferId}`;
    if (mine[0]) return BigInt(mine[0].nonce);

    await tx.$executeRaw`
      INSERT INTO "NonceCursor" (network, address, next, "updatedAt")
      VALUES (${req.network}, ${req.address}, ${req.chainNonce.toString()}::numeric, now())
      ON CONFLICT DO NOTHING`;
    const [cursor] = await tx.$queryRaw<{ next: string }[]>`
      SELECT next::text AS next FROM "NonceCursor"
      WHERE network = ${req.network} AND address = ${req.address} FOR UPDATE`;
    const next = BigInt(cursor!.next);

    // Released nonces below the chain's nonce were used by someone else: forget them.
    await tx.$executeRaw`
      DELETE FROM "NonceReservation"
      WHERE network = ${req.network} AND address = ${req.address} AND status = 'released'
        AND nonce < ${req.chainNonce.toString()}::numeric`;

    let nonce: bigint;
    if (req.forced !== undefined) {
      nonce = req.forced;
      const [holder] = await tx.$queryRaw<{ transferId: string; status: string }[]>`
        SELECT "transferId", status FROM "NonceReservation"
        WHERE network = ${req.network} AND address = ${req.address} AND nonce = ${nonce.toString()}::numeric`;
      if (holder && holder.status !== 'released') {
        throw new BaseError(`nonce ${nonce} is already reserved by another transfer`, {
          id: ErrorId.BadNonce,
          kind: 'terminal',
        });
      }
      if (nonce < req.chainNonce) {
        throw new BaseError(`nonce ${nonce} was already used on chain (next is ${req.chainNonce})`, {
          id: ErrorId.BadNonce,
          kind: 'terminal',
        });
      }
      await tx.$executeRaw`DELETE FROM "NonceReservation"
        WHERE network = ${req.network} AND address = ${req.address} AND nonce = ${nonce.toString()}::numeric`;
    } else {
      const [released] = await tx.$queryRaw<{ nonce: string }[]>`
        SELECT nonce::text AS nonce FROM "NonceReservation"
        WHERE network = ${req.network} AND address = ${req.address} AND status = 'released'
        ORDER BY nonce LIMIT 1 FOR UPDATE`;
      if (released) {
        nonce = BigInt(released.nonce);
        await tx.$executeRaw`DELETE FROM "NonceReservation"
          WHERE network = ${req.network} AND address = ${req.address} AND nonce = ${released.nonce}::numeric`;
      } else {
        nonce = next > req.chainNonce ? next : req.chainNonce;
      }
    }
    await tx.$executeRaw`
      INSERT INTO "NonceReservation" (network, address, nonce, "transferId", status, "createdAt", "updatedAt")
      VALUES (${req.network}, ${req.address}, ${nonce.toString()}::numeric, ${req.transferId}, 'reserved', now(), now())`;
    const newNext = nonce + 1n > next ? nonce + 1n : next;
    await tx.$executeRaw`
      UPDATE "NonceCursor" SET next = ${newNext.toString()}::numeric, "updatedAt" = now()
      WHERE network = ${req.network} AND address = ${req.address}`;
    return nonce;
  });
}

/** The transaction carrying this nonce was accepted by the RPC: the nonce is spent. */
export async function markNonceUsed(prisma: PrismaClient, transferId: string): Promise<void> {
  await prisma.nonceReservation.updateMany({ where: { transferId, status: 'reserved' }, data: { status: 'used' } });
}

/** The transfer failed before broadcast: its nonce goes back to the pool. */
export async function releaseNonce(prisma: PrismaClient, transferId: string): Promise<void> {
  await prisma.nonceReservation.updateMany({ where: { transferId, status: 'reserved' }, data: { status: 'released' } });
}
