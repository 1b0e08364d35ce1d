/**
 * Names and payload types shared by workflows, activities, the worker and the API
 * (cf. Temporal samples' shared.ts). No I/O here: workflows import it.
 */
import type { Reservation, Signature, SignedTx, TransferIntent, UnsignedTx } from '../chains/types.js';

export const TASK_QUEUE = 'transfers';

export type TransferStatus =
  | 'pending'
  | 'signed'
  | 'submitted'
  | 'confirmed'
  | 'finalized'
  | 'failed'
  | 'replaced'
  | typeof NEEDS_ATTENTION;
export const TERMINAL_STATUSES: readonly TransferStatus[] = ['finalized', 'failed', 'replaced'];
/**
 * Not terminal: the chain may still hold the transfer's signed bytes. Set by the API when the transfer's workflow
 * closed without completing (terminated, timed out) before the transfer was final (an operator resolves it from the
 * attempts and the history), and by the workflow itself while its status checks are exhausted (it keeps checking,
 * slowly, and goes back to the previous status once the chain answers again).
 */
export const NEEDS_ATTENTION = 'needs_attention';

export interface TransferInput {
  transferId: string;
  tenantId: string;
  walletId: string;
  /** Canonical network name (chains/networks/*.json). */
  network: string;
  intent: TransferIntent;
  requiredConfirmations: number;
  pollIntervalMs: number;
  /** Polls without seeing a live attempt before its same bytes are sent again. Absent (older transfers): 10. */
  resendAfterMisses?: number;
  /**
   * Where the chain can replace a transaction with the same nonce: how long an unincluded attempt waits before an
   * automatic fee bump. Absent: no speed-up / cancel on this chain.
   */
  stuckAfterMs?: number;
  /**
   * Time limits of the broadcast activity (BROADCAST_TRY_TIMEOUT_MS / BROADCAST_TOTAL_TIMEOUT_MS), fixed per
   * transfer at submit. Absent (older transfers): the defaults in workflows/activity-options.ts.
   */
  broadcastTimeouts?: { tryMs: number; totalMs: number };
  /** Encrypted-vault reference to a client-held share (Portal-style wallets); never the share itself. */
  shareRef?: string;
  /**
   * The signing fleet's task queue (TEMPORAL_SIGNING_TASK_QUEUE, `npm run worker:signing`): prepareAttempt and sign
   * run there. Absent (transfers started before the split): the workflow's own task queue.
   */
  signingTaskQueue?: string;
}

/** What the HTTP caller gets back when the RPC accepted the transaction. */
export interface SubmissionResult {
  transferId: string;
  transactionHash: string;
  status: TransferStatus;
  alreadyKnown: boolean;
}

export interface TransferProgress {
  status: TransferStatus;
  transactionHash?: string;
  confirmations: number;
  blockNumber?: string;
  attempt: number;
  error?: { id: string; message: string };
}

/** One signed attempt of a transfer, as the workflow tracks it. */
export interface AttemptState {
  attempt: number;
  signed: SignedTx;
  details: Record<string, unknown>;
  /** Milliseconds since epoch of the first accepted broadcast (0: no node accepted it yet). */
  submittedAt: number;
  /** Estimated network fee of this attempt (native base units). */
  fee: string;
  /** The evidence that these bytes can never land; absent while they still might. */
  dead?: string;
}

/** State carried into a continued-as-new run of a long finality wait. */
export interface PollingResume {
  attempts: AttemptState[];
  progress: TransferProgress;
  misses: number;
  lastError?: { id: string; message: string };
  /** The attempt number of a cancel, once requested. */
  cancelAttempt?: number;
  /** Automatic fee bumps done so far, and when the newest attempt was signed (workflow time, ms). */
  autoBumps?: number;
  lastSignedAt?: number;
  /** While parked (`needs_attention`): the status to go back to once a status check succeeds again. */
  parkedFrom?: TransferStatus;
}

/** What `speed-up` / `cancel` answer: the new attempt (or, for a repeated cancel, the existing one). */
export interface ReplacementResult {
  transferId: string;
  kind: 'speed_up' | 'cancel';
  attempt: number;
  transactionHash: string;
}

export interface StatusPatch {
  status?: TransferStatus;
  transactionHash?: string;
  fee?: string;
  nonce?: string;
  confirmations?: number;
  blockNumber?: string | null;
  blockHash?: string | null;
  /** null clears the recorded error (a parked transfer whose checks work again). */
  error?: { id: string; message: string } | null;
}

export type { Reservation, Signature, SignedTx, UnsignedTx };
