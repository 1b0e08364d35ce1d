/**
 * One workflow per transfer: preflight → reserve → build → sign → store signed → broadcast → watch until final.
 *
 * Money-safety rules this code keeps:
 * - The signed bytes and hash are stored before broadcast; only stored bytes are ever broadcast.
 * - A transfer is re-signed (new attempt) only when the node REJECTED the previous bytes with an error that
 *   proves they can never land (expired blockhash / ref block, bad sequence) and a status check agrees.
 * - After broadcast nothing is re-signed: a vanished transaction is re-sent with the same bytes.
 * - `finalized`, `failed` and `replaced` are terminal; only a reorg moves `confirmed` back to `submitted`.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ChainStatus } from '../chains/types.js';
import {
  broadcastOptions,
  chainReadOptions,
  signingOptions,
  statusOptions,
  storageOptions,
} from './activity-options.js';
import { progressQuery, waitForSubmissionUpdate } from './messages.js';
import type {
  PollingResume,
  StatusPatch,
  SubmissionResult,
  TransferInput,
  TransferProgress,
  TransferStatus,
} from './shared.js';

const chain = proxyActivities<Activities>(chainReadOptions);
const storage = proxyActivities<Activities>(storageOptions);
const signing = proxyActivities<Activities>(signingOptions);
const sender = proxyActivities<Activities>(broadcastOptions);
const watcher = proxyActivities<Activities>(statusOptions);

/** Broadcast rejections that prove the signed bytes can never land, so a rebuild is safe. */
const REBUILD_ON = new Set([
  'blockhash_expired',
  'tx_expired',
  'bad_sequence',
  'nonce_conflict',
  'utxo_spent',
  'utxo_conflict',
  'fee_too_low',
]);
const MAX_ATTEMPTS = 3;
/** Polls without seeing the transaction before the same bytes are sent again. */
const RESEND_AFTER_MISSES = 10;

export async function transferWorkflow(input: TransferInput, resume?: PollingResume): Promise<TransferProgress> {
  let progress: TransferProgress = resume?.progress ?? { status: 'pending', confirmations: 0, attempt: 0 };
  let submission: SubmissionResult | undefined = resume
    ? { transferId: input.transferId, transactionHash: resume.signed.hash, status: progress.status, alreadyKnown: true }
    : undefined;
  let failure: { id: string; message: string } | undefined;

  setHandler(progressQuery, () => progress);
  setHandler(waitForSubmissionUpdate, async () => {
    await condition(() => submission !== undefined || failure !== undefined);
    if (submission) return submission;
    throw ApplicationFailure.create({ type: failure!.id, message: failure!.message, nonRetryable: true });
  });

  const record = async (patch: StatusPatch): Promise<void> => {
    progress = {
      ...progress,
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.transactionHash ? { transactionHash: patch.transactionHash } : {}),
      ...(patch.confirmations !== undefined ? { confirmations: patch.confirmations } : {}),
      ...(patch.blockNumber !== undefined ? { blockNumber: patch.blockNumber ?? undefined } : {}),
      ...(patch.error ? { error: patch.error } : {}),
    };
    await storage.recordTransition(input.transferId, patch);
  };

  const fail = async (err: unknown, release: boolean): Promise<TransferProgress> => {
    const error = describeFailure(err);
    if (release) await storage.releaseReservation(input);
    await record({ status: 'failed', error });
    // Answer a waiting caller only once the failure is durable in the projection.
    failure = error;
    return progress;
  };

  let sent: PollingResume;
  if (resume) {
    sent = resume;
  } else {
    try {
      sent = await submit();
    } catch (err) {
      return fail(err, true);
    }
    submission = {
      transferId: input.transferId,
      transactionHash: sent.signed.hash,
      status: progress.status,
      alreadyKnown: false,
    };
  }
  return watch(sent);

  async function submit(): Promise<PollingResume> {
    for (let attempt = 1; ; attempt++) {
      progress = { ...progress, attempt };
      const preflight = await chain.preflight(input);
      const reservation = await chain.reserve(input, preflight);
      const unsigned = await chain.build(input, preflight, reservation);
      const signatures = await signing.sign(input, unsigned.payloads);
      const signed = await storage.storeSigned(input, attempt, unsigned, signatures);
      progress = { ...progress, status: 'signed', transactionHash: signed.hash };
      try {
        const result = await sender.broadcast(input, attempt, signed);
        await record({ status: 'submitted', transactionHash: signed.hash, fee: preflight.fee });
        return { signed, details: unsigned.details, submittedAt: result.broadcastAt, progress };
      } catch (err) {
        const { id } = describeFailure(err);
        if (!REBUILD_ON.has(id) || attempt >= MAX_ATTEMPTS) throw err;
        // The node says these bytes are dead; make sure the chain agrees before signing anything new.
        const seen = await watcher.checkStatus(input, signed.hash, unsigned.details, 0);
        if (seen.state !== 'not_found' && seen.state !== 'expired') {
          await record({ status: 'submitted', transactionHash: signed.hash, fee: preflight.fee });
          return { signed, details: unsigned.details, submittedAt: 0, progress };
        }
        await storage.releaseReservation(input);
      }
    }
  }

  async function watch(state: PollingResume): Promise<TransferProgress> {
    let misses = 0;
    for (;;) {
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof transferWorkflow>(input, { ...state, progress });
      }
      const status = await watcher.checkStatus(input, state.signed.hash, state.details, state.submittedAt);
      const done = await apply(status);
      if (done) return progress;
      if (status.state === 'not_found') {
        misses++;
        if (misses % RESEND_AFTER_MISSES === 0) {
          try {
            await sender.broadcast(input, progress.attempt, state.signed);
          } catch (err) {
            // Another transaction took the nonce / inputs: ours can never land.
            return fail(err, false);
          }
        }
      } else {
        misses = 0;
      }
      await sleep(input.pollIntervalMs);
    }
  }

  /** Applies one observation; returns true when the transfer reached a terminal state. */
  async function apply(status: ChainStatus): Promise<boolean> {
    switch (status.state) {
      case 'included':
      case 'failed': {
        if (status.state === 'failed' && status.final) {
          await record({
            status: 'failed',
            confirmations: status.confirmations ?? progress.confirmations,
            blockNumber: status.blockNumber ?? null,
            blockHash: status.blockHash ?? null,
            error: { id: 'tx_reverted', message: status.reason },
          });
          await storage.releaseReservation(input);
          return true;
        }
        const next: TransferStatus = status.state === 'included' && status.final ? 'finalized' : 'confirmed';
        const confirmations = status.confirmations ?? 0;
        if (
          next !== progress.status ||
          confirmations !== progress.confirmations ||
          status.blockNumber !== progress.blockNumber
        ) {
          await record({
            status: next,
            confirmations,
            blockNumber: status.blockNumber ?? null,
            blockHash: status.blockHash ?? null,
          });
        }
        if (next === 'finalized') await storage.releaseReservation(input);
        return next === 'finalized';
      }
      case 'pending':
      case 'not_found':
        // Included before and gone now: a reorg. Back to submitted; the same bytes stay valid.
        if (progress.status === 'confirmed')
          await record({ status: 'submitted', confirmations: 0, blockNumber: null, blockHash: null });
        return false;
      case 'expired':
        await record({ status: 'failed', error: { id: 'tx_expired', message: status.reason } });
        await storage.releaseReservation(input);
        return true;
    }
  }
}

/** The stable id and message of a failure coming out of an activity. */
function describeFailure(err: unknown): { id: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { id: cause.type ?? 'INTERNAL_ERROR', message: cause.message };
  return { id: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}
