/**
 * Durable nonce / sequence-number sequencer per (network, address), in PostgreSQL.
 *
 * - One reservation per transfer (idempotent: a retried activity gets the same nonce).
 * - The cursor never trails the chain: next = max(cursor, chain's pending nonce), so a transaction sent
 *   from outside the orchestrator does not cause "nonce too low" loops (cf. OpenZeppelin Relayer #818/#843).
 * - A nonce released by a transfer whose attempts are all proven dead is handed out again first, so a failure
 *   does not leave a permanent gap behind later transactions; one the chain consumed meanwhile is dropped.
 * - A transfer that reserves again after a release gets its own nonce back (status `reserved` again) while it
 *   is still ahead of the chain, so two transfers never hold one nonce.
 * - A caller-forced nonce must lie in [chain's next, next + window]; anything else is `bad_nonce`.
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
  /** How far past `chainNonce` a forced nonce may be (default 16). */
  maxAhead?: bigint;
}

export async function reserveNonce(prisma: PrismaClient, req: NonceRequest): Promise<bigint> {
  return prisma.$transaction(async (tx) => {
    // The cursor row lock serialises every reservation of this address, this transfer's included.
    await tx.$executeRaw`
      INSERT INTO "NonceCursor" (network, address, next, "updatedAt")
      VALUES (${req.network}, ${req.address}, ${req.chainNonce.toString()}::numeric, now())
      ON CONFLICT DO NOTHING`;
    const [cursor] = await tx.$queryRaw<{ next: string }[]>`
      SELECT next::text AS next FROM "NonceCursor"
      WHERE network = ${req.network} AND address = ${req.address} FOR UPDATE`;
    const next = BigInt(cursor!.next);

    // Released nonces below the chain's nonce were used by someone else: forget them (this transfer's own
    // too, so a rebuild after "nonce too low" moves on instead of signing the stale nonce again).
    await tx.$executeRaw`
      DELETE FROM "NonceReservation"
      WHERE network = ${req.network} AND address = ${req.address} AND status = 'released'
        AND nonce < ${req.chainNonce.toString()}::numeric`;

    const [mine] = await tx.$queryRaw<{ nonce: string; status: string }[]>`
      SELECT nonce::text AS nonce, status FROM "NonceReservation" WHERE "transferId" = ${req.transferId} FOR UPDATE`;
    if (mine && mine.status !== 'released') return BigInt(mine.nonce);
    if (mine) {
      // Our own released nonce, still ahead of the chain: take it back (reserved again, so no other
      // transfer can take it and markNonceUsed applies) unless the caller forces another one.
      if (req.forced === undefined || req.forced === BigInt(mine.nonce)) {
        await tx.$executeRaw`UPDATE "NonceReservation" SET status = 'reserved', "updatedAt" = now()
          WHERE "transferId" = ${req.transferId}`;
        return BigInt(mine.nonce);
      }
      await tx.$executeRaw`DELETE FROM "NonceReservation" WHERE "transferId" = ${req.transferId}`;
    }

    let nonce: bigint;
    if (req.forced !== undefined) {
      nonce = req.forced;
      checkForcedNonce(nonce, req.chainNonce, req.maxAhead ?? DEFAULT_FORCED_NONCE_WINDOW);
      const [holder] = await tx.$queryRaw<{ transferId: string; status: string }[]>`
        SELECT "transferId", status FROM "NonceReservation"
        WHERE network = ${req.network} AND address = ${req.address} AND nonce = ${nonce.toString()}::numeric`;
      if (holder && holder.status !== 'released') {
        throw new BaseError(`nonce ${nonce} is already reserved by another transfer`, {
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

/** How far past the chain's next nonce a caller may force one (a larger gap would stall the wallet). */
export const DEFAULT_FORCED_NONCE_WINDOW = 16n;

/** A forced nonce must be one the chain can still take, and close enough not to park the wallet behind a gap. */
export function checkForcedNonce(nonce: bigint, chainNonce: bigint, maxAhead: bigint): void {
  if (nonce < chainNonce) {
    throw new BaseError(`nonce ${nonce} was already used on chain (next is ${chainNonce})`, {
      id: ErrorId.BadNonce,
      kind: 'terminal',
    });
  }
  if (nonce > chainNonce + maxAhead) {
    throw new BaseError(
      `nonce ${nonce} is more than ${maxAhead} ahead of the chain's next nonce ${chainNonce}: it would leave a gap that stalls every later transaction of this wallet`,
      { id: ErrorId.BadNonce, kind: 'terminal' },
    );
  }
}

/** The transaction carrying this nonce was accepted by the RPC: the nonce is spent. */
export async function markNonceUsed(prisma: PrismaClient, transferId: string): Promise<void> {
  await prisma.nonceReservation.updateMany({ where: { transferId, status: 'reserved' }, data: { status: 'used' } });
}

/**
 * Every signed attempt of the transfer is proven dead (or none left the process): its nonce goes back to the
 * pool. A nonce the chain has meanwhile consumed is dropped at the next reservation.
 */
export async function releaseNonce(prisma: PrismaClient, transferId: string): Promise<void> {
  await prisma.nonceReservation.updateMany({
    where: { transferId, status: { in: ['reserved', 'used'] } },
    data: { status: 'released' },
  });
}
