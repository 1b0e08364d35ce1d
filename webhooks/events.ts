/** Webhook event types and how a transfer's status change maps to one. No I/O. */
import { TERMINAL_STATUSES, type TransferStatus } from '../workflows/shared.js';

export const TRANSFER_EVENT_TYPES = [
  'transfer.submitted',
  'transfer.confirmed',
  'transfer.finalized',
  'transfer.failed',
  'transfer.replaced',
  'transfer.reorged',
  'transfer.speed_up',
  'transfer.cancel_requested',
  'transfer.needs_attention',
] as const;

export const EVENT_TYPES = [...TRANSFER_EVENT_TYPES, 'wallet.created', 'webhook.test'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The event a status change reports, or none. Only a change of status is an event (more confirmations in
 * `confirmed` are not); `pending → signed` is internal (nothing has reached the network yet).
 */
export function transitionEventType(from: string, to: string): EventType | undefined {
  if (from === to) return undefined;
  if (from === 'confirmed' && to === 'submitted') return 'transfer.reorged';
  // Back from a parked watch: nothing happened on chain; the next real change is the event.
  if (from === 'needs_attention' && !TERMINAL_STATUSES.includes(to as TransferStatus)) return undefined;
  switch (to as TransferStatus) {
    case 'submitted':
      return 'transfer.submitted';
    case 'confirmed':
      return 'transfer.confirmed';
    case 'finalized':
      return 'transfer.finalized';
    case 'failed':
      return 'transfer.failed';
    case 'replaced':
      return 'transfer.replaced';
    case 'needs_attention':
      return 'transfer.needs_attention';
    default:
      return undefined;
  }
}

/** The delivered body: `{ type, timestamp, data }` (Standard Webhooks' recommended shape). */
export function eventBody(event: { type: string; createdAt: Date; payload: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.payload });
}
