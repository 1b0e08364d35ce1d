/**
 * UTXO reservations: an input held by one in-flight transfer is invisible to every other transfer
 * from the same wallet, so two concurrent sends never pick the same input.
 */

import type { Utxo } from '../chains/types.js';
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

/**
 * Replaces this transfer's reservations with `selected`. Fails (unique violation) if another transfer
 * took one of them meanwhile; the caller re-selects.
 */
export async function reserveUtxos(
  prisma: PrismaClient,
  network: string,
  transferId: string,
  selected: Utxo[],
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.utxoReservation.deleteMany({ where: { network, transferId } });
    // Released rows of other transfers would block the primary key: clear them first.
    await tx.utxoReservation.deleteMany({
      where: { network, outpoint: { in: selected.map(outpointOf) }, releasedAt: { not: null } },
    });
    await tx.utxoReservation.createMany({
      data: selected.map((u) => ({ network, outpoint: outpointOf(u), transferId })),
    });
  });
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
