/**
 * Transactional outbox. Called inside the database transaction that makes a state change, so the event
 * row and its deliveries (one per subscribed, enabled endpoint of the tenant) commit or roll back with it:
 * a change without its event cannot exist.
 */
import { randomBytes } from 'node:crypto';
import type { Prisma, Transfer } from '../generated/prisma/client.js';
import { toAttemptView, toTransferView } from '../transfers/view.js';
import type { WalletView } from '../wallets/view.js';
import { type EventType, transitionEventType } from './events.js';

type Tx = Prisma.TransactionClient;

export function newEventId(): string {
  return `evt_${randomBytes(16).toString('hex')}`;
}

export function newDeliveryId(): string {
  return `dlv_${randomBytes(16).toString('hex')}`;
}

/** Records the event for a transfer's status change `from → updated.status` (none if the status did not change). */
export async function recordTransferTransition(tx: Tx, from: string, updated: Transfer): Promise<void> {
  const type = transitionEventType(from, updated.status);
  if (!type) return;
  const sequence = await nextSequence(tx, updated.id);
  await enqueueEvent(tx, {
    tenantId: updated.tenantId,
    type,
    transferId: updated.id,
    sequence,
    payload: { ...(await transferView(tx, updated)), sequence },
  });
}

/** A same-nonce replacement was signed (speed-up, automatic bump, or cancel): consumers learn the new hash. */
export async function recordTransferReplacement(
  tx: Tx,
  transfer: Transfer,
  replacement: { kind: 'speed_up' | 'cancel'; attempt: number; transactionHash: string; reason: string },
): Promise<void> {
  const sequence = await nextSequence(tx, transfer.id);
  await enqueueEvent(tx, {
    tenantId: transfer.tenantId,
    type: replacement.kind === 'cancel' ? 'transfer.cancel_requested' : 'transfer.speed_up',
    transferId: transfer.id,
    sequence,
    payload: { ...(await transferView(tx, transfer)), sequence, replacement },
  });
}

/** The same view as GET /v1/transfers/:id, attempts included, as of this transaction. */
async function transferView(tx: Tx, transfer: Transfer) {
  const attempts = await tx.transferAttempt.findMany({
    where: { transferId: transfer.id },
    orderBy: { attempt: 'asc' },
  });
  return { ...toTransferView(transfer), attempts: attempts.map(toAttemptView) };
}

/** The caller locked the transfer row in this transaction (by updating it), which orders concurrent writers. */
async function nextSequence(tx: Tx, transferId: string): Promise<number> {
  const last = await tx.webhookEvent.findFirst({
    where: { transferId },
    orderBy: { sequence: 'desc' },
    select: { sequence: true },
  });
  return (last?.sequence ?? 0) + 1;
}

export async function recordWalletCreated(tx: Tx, tenantId: string, wallet: WalletView): Promise<void> {
  await enqueueEvent(tx, {
    tenantId,
    type: 'wallet.created',
    walletId: wallet.walletId,
    sequence: 1,
    payload: { ...wallet, sequence: 1 },
  });
}

export async function enqueueEvent(
  tx: Tx,
  event: {
    tenantId: string;
    type: EventType;
    transferId?: string;
    walletId?: string;
    sequence: number;
    payload: Record<string, unknown>;
  },
  onlyEndpointId?: string,
): Promise<string> {
  const id = newEventId();
  await tx.webhookEvent.create({ data: { id, ...event, payload: event.payload as Prisma.InputJsonValue } });
  const endpoints = await tx.webhookEndpoint.findMany({
    where: onlyEndpointId
      ? { id: onlyEndpointId, tenantId: event.tenantId }
      : {
          tenantId: event.tenantId,
          disabledAt: null,
          OR: [{ events: { isEmpty: true } }, { events: { has: event.type } }],
        },
    select: { id: true },
  });
  if (endpoints.length > 0) {
    await tx.webhookDelivery.createMany({
      data: endpoints.map((e) => ({
        id: newDeliveryId(),
        tenantId: event.tenantId,
        endpointId: e.id,
        eventId: id,
        transferId: event.transferId ?? null,
        sequence: event.sequence,
      })),
    });
  }
  return id;
}
