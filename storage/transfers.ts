/**
 * The Transfer projection. The workflow is the only writer of a transfer's progress, and every write is
 * idempotent (the same patch applied twice gives the same row), so activity retries never corrupt it.
 * Terminal states never change.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { recordTransferReplacement, recordTransferTransition } from '../webhooks/outbox.js';
import { type StatusPatch, TERMINAL_STATUSES, type TransferStatus } from '../workflows/shared.js';

const TIMESTAMP_FOR: Partial<Record<TransferStatus, string>> = {
  signed: 'signedAt',
  submitted: 'submittedAt',
  confirmed: 'confirmedAt',
  finalized: 'finalizedAt',
  failed: 'failedAt',
  replaced: 'replacedAt',
};

export async function applyStatusPatch(prisma: PrismaClient, transferId: string, patch: StatusPatch): Promise<void> {
  const data: Record<string, unknown> = {};
  if (patch.status) data.status = patch.status;
  if (patch.transactionHash !== undefined) data.transactionHash = patch.transactionHash;
  if (patch.fee !== undefined) data.fee = patch.fee;
  if (patch.nonce !== undefined) data.nonce = patch.nonce;
  if (patch.confirmations !== undefined) data.confirmations = patch.confirmations;
  if (patch.blockNumber !== undefined) data.blockNumber = patch.blockNumber;
  if (patch.blockHash !== undefined) data.blockHash = patch.blockHash;
  if (patch.error) {
    data.errorId = patch.error.id;
    data.errorMessage = patch.error.message;
  } else if (patch.error === null) {
    data.errorId = null;
    data.errorMessage = null;
  }
  const stampColumn = patch.status ? TIMESTAMP_FOR[patch.status] : undefined;
  await prisma.$transaction(async (tx) => {
    const row = await tx.transfer.findUnique({ where: { id: transferId } });
    if (!row) throw new Error(`transfer ${transferId} not found`);
    if (TERMINAL_STATUSES.includes(row.status as TransferStatus)) return;
    // First time in a state keeps its timestamp (a reorg back to `submitted` keeps the first submittedAt).
    if (stampColumn && !(row as unknown as Record<string, unknown>)[stampColumn]) data[stampColumn] = new Date();
    const updated = await tx.transfer.update({ where: { id: transferId }, data });
    // Webhook outbox: the event commits with the change it reports, or neither does.
    await recordTransferTransition(tx, row.status, updated);
  });
}

/**
 * Stores the signed bytes and hash BEFORE broadcast. Insert-if-absent: if a retried activity signed
 * again (a different ECDSA signature), the first stored transaction wins and is the one broadcast.
 */
export async function storeSignedAttempt(
  prisma: PrismaClient,
  transferId: string,
  attempt: number,
  signed: { raw: string; hash: string },
  details: Record<string, unknown>,
  reason = 'initial',
): Promise<{ raw: string; hash: string }> {
  const existing = await prisma.transferAttempt.findUnique({ where: { transferId_attempt: { transferId, attempt } } });
  if (existing) return { raw: existing.raw, hash: existing.txHash };
  try {
    await prisma.$transaction(async (tx) => {
      await tx.transferAttempt.create({
        data: { transferId, attempt, raw: signed.raw, txHash: signed.hash, details: details as object, reason },
      });
      const kind = details.replacement;
      if (kind === 'speed_up' || kind === 'cancel') {
        // Touching the row takes its lock: events of one transfer get their sequence numbers in order.
        const transfer = await tx.transfer.update({ where: { id: transferId }, data: { updatedAt: new Date() } });
        await recordTransferReplacement(tx, transfer, { kind, attempt, transactionHash: signed.hash, reason });
      }
    });
  } catch (err) {
    const again = await prisma.transferAttempt.findUnique({ where: { transferId_attempt: { transferId, attempt } } });
    if (again) return { raw: again.raw, hash: again.txHash };
    throw err;
  }
  return signed;
}

/**
 * The projection once an attempt's bytes are stored. The first attempt moves the transfer to `signed` with its
 * hash. A later attempt (a same-nonce speed-up / cancel, or a re-sign) records only its nonce: the transfer keeps
 * showing the hash that was sent — which may still be the one that lands — until the workflow records which attempt
 * was accepted or included, and a `submitted` transfer never goes back to `signed`. (Overwriting the hash here let
 * a transfer end `finalized` with the hash of a speed-up that never landed: kill drill at scale, seed 2656545693.)
 */
export async function recordSignedAttempt(
  prisma: PrismaClient,
  transferId: string,
  attempt: number,
  hash: string,
  nonce: string | undefined,
): Promise<void> {
  if (attempt === 1) {
    // Idempotent: a re-executed prepareAttempt (the worker died between the store and this write) heals the row,
    // but never moves a transfer a node already accepted back to `signed`.
    const row = await prisma.transfer.findUnique({ where: { id: transferId }, select: { status: true } });
    if (row?.status === 'pending')
      return applyStatusPatch(prisma, transferId, { status: 'signed', transactionHash: hash, nonce });
  }
  if (nonce !== undefined) await applyStatusPatch(prisma, transferId, { nonce });
}

export async function markAttemptBroadcast(prisma: PrismaClient, transferId: string, attempt: number): Promise<void> {
  await prisma.transferAttempt.updateMany({
    where: { transferId, attempt, broadcastAt: null },
    data: { broadcastAt: new Date() },
  });
}

/** Keeps the proof that an attempt's bytes can never land (first proof wins). */
export async function markAttemptDead(
  prisma: PrismaClient,
  transferId: string,
  attempt: number,
  evidence: string,
): Promise<void> {
  await prisma.transferAttempt.updateMany({
    where: { transferId, attempt, deadAt: null },
    data: { deadAt: new Date(), deadEvidence: evidence },
  });
}

/**
 * A `confirmed` transfer's own transaction, still in the same block, is deeper now: the new count, nothing else (no
 * status change, so no webhook event). Only the row whose hash and block these are, and only upwards.
 */
export async function recordDeeperConfirmation(
  prisma: PrismaClient,
  transferId: string,
  hash: string,
  blockNumber: string,
  confirmations: number,
): Promise<void> {
  await prisma.transfer.updateMany({
    where: {
      id: transferId,
      status: 'confirmed',
      transactionHash: hash,
      blockNumber,
      confirmations: { lt: confirmations },
    },
    data: { confirmations },
  });
}
