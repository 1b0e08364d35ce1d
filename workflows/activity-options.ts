/** Named activity-option presets (cf. Temporal samples). Retry policies skip terminal error types. */
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Chain reads and validation before signing: retried through RPC trouble for up to 5 minutes (a slow or briefly
 * unreachable node should not fail a transfer that nothing has been signed for yet), then `rpc_failed`.
 * Terminal errors (insufficient funds, bad nonce, …) are not retried.
 */
export const chainReadOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
  },
  scheduleToCloseTimeout: '5 minutes',
};

/** Database writes: must eventually happen, so retried for a long time. */
export const storageOptions: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  scheduleToCloseTimeout: '1 day',
};

/**
 * preflight → reserve → build → sign → store as one activity: the chain reads' retries and total limit, with room
 * for the MPC rounds in each try. A retry after the store returns the stored attempt (never signs again).
 */
export const prepareOptions: ActivityOptions = {
  ...chainReadOptions,
  // Coins held by in-flight transfers: the workflow waits for their change on a timer (minutes, not retries).
  retry: { ...chainReadOptions.retry, nonRetryableErrorTypes: ['utxos_in_flight'] },
  startToCloseTimeout: '90 seconds',
  // The activity heartbeats (activities/heartbeat.ts): a dead worker's try is retried after this, not after 90 s.
  heartbeatTimeout: '10 seconds',
};

/** Signing (MPC rounds can take a while). */
export const signingOptions: ActivityOptions = {
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};

/**
 * Broadcast: the same signed bytes are safe to resend, so retry through RPC outages for a while;
 * the classifier marks what must not be retried.
 */
export const broadcastOptions: ActivityOptions = {
  // Defaults of BROADCAST_TRY_TIMEOUT_MS / BROADCAST_TOTAL_TIMEOUT_MS.
  // Horizon answers a submission only once it is in a ledger (≈5 s, up to a 504 after ≈30 s).
  startToCloseTimeout: '90 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  scheduleToCloseTimeout: '30 minutes',
};

/** The broadcast preset with the per-transfer time limits (config BROADCAST_*_TIMEOUT_MS), if any. */
export function broadcastOptionsWith(timeouts?: { tryMs: number; totalMs: number }): ActivityOptions {
  if (!timeouts) return broadcastOptions;
  return { ...broadcastOptions, startToCloseTimeout: timeouts.tryMs, scheduleToCloseTimeout: timeouts.totalMs };
}

/** One status check; an RPC outage only delays the answer, never loses the transfer. */
export const statusOptions: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  scheduleToCloseTimeout: '7 days',
};
