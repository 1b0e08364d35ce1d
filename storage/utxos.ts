/**
 * UTXO reservations: an input held by one in-flight transfer is invisible to every other transfer
 * from the same wallet, so two concurrent sends never pick the same input. Reservations are fenced per
 * (transfer, attempt) and carry the reserved outputs: build signs exactly the rows, never a fresh listing.
 */

import type { Utxo } from '../chains/types.js';
import { BaseError } from '../errors/base.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export const outpointOf = (u: Pick<Utxo, 'txid' | 'vout'>): string => `${u.txid}:${u.vout}`;

/** Outpoints held by other transfers (this transfer's own reservations stay available to it). */
export async function reservedByOthers(
  prisma: PrismaClient,
  network: string,
  transferId: string,
): Promise<Set<string>> {
  const rows = await prisma.utxoReservation.findMany({
    where: { network, releasedAt: null, NOT: { transferId } },
    select: { outpoint: true },
  });
  return new Set(rows.map((r) => r.outpoint));
}

/** The reservation of record for one (transfer, attempt) is taken; a late reserve cannot change it. */
function superseded(transferId: string, attempt: number, why: string): BaseError {
  return new BaseError(`transfer ${transferId} attempt ${attempt}: ${why}; the reservation is not changed`, {
    id: 'utxo_reservation_superseded',
    kind: 'terminal',
  });
}

type Row = { outpoint: string; value: string | null; scriptPubKey: string | null };

/** Reserved inputs as build spends them (sorted by outpoint, so a retried build signs the same bytes). */
function toUtxos(rows: Row[]): Utxo[] {
  return rows
    .map((r) => {
      const at = r.outpoint.lastIndexOf(':');
      return {
        txid: r.outpoint.slice(0, at),
        vout: Number(r.outpoint.slice(at + 1)),
        value: r.value!,
        scriptPubKey: r.scriptPubKey!,
        // Selection takes confirmed outputs only; build does not read this.
        confirmations: 1,
      };
    })
    .sort((a, b) => (a.txid === b.txid ? a.vout - b.vout : a.txid < b.txid ? -1 : 1));
}

/**
 * Reserves `selected` for (transfer, attempt), insert-if-absent: if this attempt already holds inputs (an
 * earlier run of the same activity that timed out finished first, or this is a retry), those come back
 * unchanged and `selected` is ignored; a reserve for an attempt older than one already reserved, or whose
 * inputs were released, is refused. So a late finisher never rewrites the reservation that build signs.
 * Fails (unique violation) if another transfer holds one of `selected`; the caller re-selects.
 */
export async function reserveUtxos(
  prisma: PrismaClient,
  args: { network: string; transferId: string; attempt: number; selected: Utxo[] },
): Promise<Utxo[]> {
  const { network, transferId, attempt, selected } = args;
  return prisma.$transaction(async (tx) => {
    // One reserve per transfer at a time: the check-then-insert below must not interleave with another.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`utxo-reserve:${transferId}`}))`;
    const own = await tx.utxoReservation.findMany({ where: { network, transferId } });
    if (own.some((r) => r.attempt > attempt)) throw superseded(transferId, attempt, 'a later attempt holds inputs');
    const held = own.filter((r) => r.attempt === attempt);
    if (held.some((r) => r.releasedAt !== null)) throw superseded(transferId, attempt, 'its inputs were released');
    if (held.length > 0) return toUtxos(held);

    const outpoints = selected.map(outpointOf);
    // Rows on these outpoints that no longer hold anything (released, or this transfer's older attempts) give way.
    await tx.utxoReservation.deleteMany({
      where: { network, outpoint: { in: outpoints }, OR: [{ releasedAt: { not: null } }, { transferId }] },
    });
    await tx.utxoReservation.createMany({
      data: selected.map((u) => ({
        network,
        outpoint: outpointOf(u),
        transferId,
        attempt,
        value: u.value,
        scriptPubKey: u.scriptPubKey,
      })),
    });
    return toUtxos(selected.map((u) => ({ outpoint: outpointOf(u), value: u.value, scriptPubKey: u.scriptPubKey })));
  });
}

/**
 * The inputs reserved for (transfer, attempt) and not released, as build must sign them; `undefined` when
 * none are held, or for rows written before reservations carried their outputs.
 */
export async function reservedUtxos(
  prisma: PrismaClient,
  network: string,
  transferId: string,
  attempt: number,
): Promise<Utxo[] | undefined> {
  const rows = await prisma.utxoReservation.findMany({ where: { network, transferId, attempt, releasedAt: null } });
  if (rows.length === 0 || rows.some((r) => r.value === null || r.scriptPubKey === null)) return undefined;
  return toUtxos(rows);
}

/** The attempt a reserve running now is for: one past the last signed attempt (reserve precedes signing). */
export async function nextAttemptOf(prisma: PrismaClient, transferId: string): Promise<number> {
  const last = await prisma.transferAttempt.aggregate({ where: { transferId }, _max: { attempt: true } });
  return (last._max.attempt ?? 0) + 1;
}

export async function releaseUtxos(prisma: PrismaClient, transferId: string): Promise<void> {
  await prisma.utxoReservation.updateMany({
    where: { transferId, releasedAt: null },
    data: { releasedAt: new Date() },
  });
}

/** Whether other transfers from `address` still hold inputs (their change will come back). */
export async function hasInFlightUtxoTransfers(
  prisma: PrismaClient,
  network: string,
  address: string,
  transferId: string,
): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "UtxoReservation" r JOIN "Transfer" t ON t.id = r."transferId"
    WHERE r.network = ${network} AND r."releasedAt" IS NULL AND r."transferId" <> ${transferId}
      AND t."fromAddress" = ${address}`;
  return (rows[0]?.n ?? 0) > 0;
}
