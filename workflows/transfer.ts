/**
 * One workflow per transfer: prepare (preflight → reserve → build → sign → store signed, one activity) →
 * broadcast (and record `submitted`) → watch until final.
 *
 * Money-safety rules this code keeps (docs/money-path.md):
 * - The signed bytes and hash are stored before broadcast; only stored bytes are ever broadcast.
 * - Every signed attempt is watched until it is included or the chain PROVES it dead (`expired`: Solana's
 *   lastValidBlockHeight passed on the node's finalized height, Tron's expiration older than the solidified head,
 *   Stellar's maxTime before the latest closed ledger, EVM's nonce used by another transaction in a final block,
 *   Bitcoin's inputs spent by another confirmed transaction). A node's error is a hint, never proof: the first
 *   answer may have been lost and a lagging node may answer the retry.
 * - A new signature with new spend authority only once every earlier attempt is proven dead; the decision and
 *   its evidence are stored with the attempt. An EVM fee too low is re-signed with the SAME nonce (at most one
 *   of the two can land), without waiting.
 * - `failed` (and the release of the nonce / inputs) only when every attempt is dead or none was ever sent.
 * - `finalized`, `failed` and `replaced` are terminal; only a reorg moves `confirmed` back to `submitted`.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ChainStatus, ReplacementRequest } from '../chains/types.js';
import {
  broadcastOptionsWith,
  chainReadOptions,
  prepareOptions,
  signingOptions,
  statusOptions,
  storageOptions,
} from './activity-options.js';
import { progressQuery, replaceUpdate, waitForSubmissionUpdate } from './messages.js';
import type {
  AttemptState,
  PollingResume,
  ReplacementResult,
  StatusPatch,
  SubmissionResult,
  TransferInput,
  TransferProgress,
  TransferStatus,
} from './shared.js';
import { NEEDS_ATTENTION } from './shared.js';

const chain = proxyActivities<Activities>(chainReadOptions);
const storage = proxyActivities<Activities>(storageOptions);
const watcher = proxyActivities<Activities>(statusOptions);

/** Broadcast rejections after which a new attempt may be needed (once the chain proves the old one dead). */
const REBUILD_ON = new Set([
  'blockhash_expired',
  'tx_expired',
  'bad_sequence',
  'nonce_conflict',
  'utxo_spent',
  'utxo_conflict',
  'fee_too_low',
]);
/** Attempts per transfer (the first signature and its re-signs). */
const MAX_ATTEMPTS = 3;
/** Polls without seeing a live attempt before its bytes are sent again (unless the transfer's input says). */
const RESEND_AFTER_MISSES = 10;
/** Automatic fee bumps of a stuck transaction (each also stops at the fee caps). */
const MAX_AUTO_BUMPS = 4;
/** Patch: the stuck timer counts from the newest attempt's RPC acceptance, not from its signature. */
const STUCK_AFTER_ACCEPTANCE = 'stuck-after-acceptance';
/** Patch: a new attempt is prepared in one activity and its first send records `submitted` (2 activities, not 7). */
const MERGED_ATTEMPT = 'merged-attempt';
/** Patch: status checks that exhaust their retries park the transfer (`needs_attention`) instead of failing the run. */
const PARK_ON_EXHAUSTED_CHECKS = 'park-on-exhausted-checks';
/** Patch: a status check carries `{ transferId, network }`, not the whole TransferInput (history size per poll). */
const SLIM_STATUS_CHECKS = 'slim-status-checks';
/**
 * Patch: a status check that sees the transfer's own confirmed transaction deeper in the same block writes the new
 * confirmation count itself; the workflow records only status, block or hash changes.
 */
const CONFIRMATIONS_IN_CHECK = 'confirmations-in-check';
/** While parked, how many poll intervals between tries (at least a minute in production, where polls are ≥ 500 ms). */
const PARKED_POLL_FACTOR = 120;
/** Patch: coins held by the wallet's in-flight transfers are waited for with a workflow timer, not activity retries. */
const WAIT_FOR_CHANGE = 'wait-for-change';
/** Timers (one poll interval each) a transfer waits for its wallet's change: 6 h at Bitcoin mainnet's 30 s. */
const MAX_CHANGE_WAITS = 720;
const TERMINAL: readonly TransferStatus[] = ['finalized', 'failed', 'replaced'];

/** A speed-up / cancel asked through the API (or an automatic bump), answered once signed and sent. */
interface ReplacementJob {
  request: ReplacementRequest;
  why: string;
  result?: ReplacementResult;
  error?: { id: string; message: string };
}

interface BroadcastFailure {
  id: string;
  message: string;
  /** An earlier try of this broadcast may have reached a node (lost answer, timeout, resend). */
  possiblySent: boolean;
  /** The chain orders this wallet's transactions (nonce, sequence, inputs): the next user of the slot conflicts. */
  sequenced: boolean;
}

export async function transferWorkflow(input: TransferInput, resume?: PollingResume): Promise<TransferProgress> {
  const sender = proxyActivities<Activities>(broadcastOptionsWith(input.broadcastTimeouts));
  // Signing runs on the signing fleet's own task queue when the transfer names one (older transfers: this one).
  const onSigningFleet = input.signingTaskQueue ? { taskQueue: input.signingTaskQueue } : {};
  const signing = proxyActivities<Activities>({ ...signingOptions, ...onSigningFleet });
  const preparer = proxyActivities<Activities>({ ...prepareOptions, ...onSigningFleet });
  let progress: TransferProgress = resume?.progress ?? { status: 'pending', confirmations: 0, attempt: 0 };
  const attempts: AttemptState[] = resume?.attempts ?? [];
  let submission: SubmissionResult | undefined = resume
    ? {
        transferId: input.transferId,
        transactionHash: progress.transactionHash ?? attempts.at(-1)?.signed.hash ?? '',
        status: progress.status,
        alreadyKnown: true,
      }
    : undefined;
  let failure: { id: string; message: string } | undefined;
  /** Why the newest attempt is in trouble: decides whether a proven-dead transfer is re-signed or fails. */
  let lastError: { id: string; message: string } | undefined = resume?.lastError;
  const jobs: ReplacementJob[] = [];
  let cancelAttempt = resume?.cancelAttempt;
  let autoBumps = resume?.autoBumps ?? 0;
  let lastSignedAt = resume?.lastSignedAt ?? Date.now();
  let parkedFrom = resume?.parkedFrom;
  const pendingJobs = () => jobs.some((j) => !j.result && !j.error);

  setHandler(progressQuery, () => progress);
  setHandler(
    replaceUpdate,
    async (request) => {
      const job: ReplacementJob = {
        request,
        why: request.kind === 'cancel' ? 'cancel requested' : 'speed-up requested',
      };
      jobs.push(job);
      await condition(() => job.result !== undefined || job.error !== undefined);
      if (job.error)
        throw ApplicationFailure.create({ type: job.error.id, message: job.error.message, nonRetryable: true });
      return job.result!;
    },
    {
      validator: (request) => {
        if (TERMINAL.includes(progress.status))
          throw ApplicationFailure.create({
            type: 'transfer_terminal',
            message: `the transfer is already ${progress.status}`,
            nonRetryable: true,
          });
        if (input.stuckAfterMs === undefined)
          throw ApplicationFailure.create({
            type: 'replacement_unsupported',
            message: `${input.network} cannot replace a signed transaction: it is re-signed only after its expiry is proven`,
            nonRetryable: true,
          });
        if (request.kind !== 'speed_up' && request.kind !== 'cancel')
          throw ApplicationFailure.create({ type: 'BAD_REQUEST', message: 'unknown replacement', nonRetryable: true });
      },
    },
  );
  setHandler(waitForSubmissionUpdate, async () => {
    await condition(() => submission !== undefined || failure !== undefined);
    if (submission) return submission;
    throw ApplicationFailure.create({ type: failure!.id, message: failure!.message, nonRetryable: true });
  });

  const record = async (patch: StatusPatch): Promise<void> => {
    recordLocally(patch);
    await storage.recordTransition(input.transferId, patch);
  };

  function recordLocally(patch: StatusPatch): void {
    progress = {
      ...progress,
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.transactionHash ? { transactionHash: patch.transactionHash } : {}),
      ...(patch.confirmations !== undefined ? { confirmations: patch.confirmations } : {}),
      ...(patch.blockNumber !== undefined ? { blockNumber: patch.blockNumber ?? undefined } : {}),
      ...(patch.error ? { error: patch.error } : {}),
    };
    if (patch.error === null) delete progress.error;
  }

  const answer = (hash: string, alreadyKnown: boolean) => {
    submission ??= { transferId: input.transferId, transactionHash: hash, status: progress.status, alreadyKnown };
  };

  /** Terminal failure. Only called when no attempt can still land, so the reservation goes back. */
  const fail = async (error: { id: string; message: string }): Promise<TransferProgress> => {
    await storage.releaseReservation(input);
    await record({ status: 'failed', error });
    // Answer a waiting caller only once the failure is durable in the projection.
    failure = error;
    return finish();
  };

  const finish = async (): Promise<TransferProgress> => {
    await condition(allHandlersFinished);
    return progress;
  };

  const markDead = async (a: AttemptState, evidence: string): Promise<void> => {
    a.dead = evidence;
    await storage.markAttemptDead(input.transferId, a.attempt, evidence);
  };

  if (!resume) {
    const outcome = await sendNewAttempt('initial');
    if (outcome) return outcome;
  }
  return watch();

  /**
   * Signs, stores and broadcasts a new attempt. Returns a final progress when the transfer failed for good,
   * undefined when it goes on to the watch loop.
   */
  async function sendNewAttempt(reason: string, keepReservation = false): Promise<TransferProgress | undefined> {
    // Histories recorded before the patch replay the seven-activity path.
    const merged = patched(MERGED_ATTEMPT);
    let changeWaits = 0;
    for (;;) {
      const n = attempts.length + 1;
      progress = { ...progress, attempt: n };
      let a: AttemptState;
      try {
        if (!keepReservation && attempts.length > 0) await storage.releaseReservation(input);
        if (merged) {
          const prepared = await preparer.prepareAttempt(input, n, reason);
          a = { attempt: n, signed: prepared.signed, details: prepared.details, submittedAt: 0, fee: prepared.fee };
        } else {
          const preflight = await chain.preflight(input);
          const reservation = await chain.reserve(input, preflight);
          const unsigned = await chain.build(input, preflight, reservation);
          const signatures = await signing.sign(input, unsigned, n);
          const signed = await storage.storeSigned(input, n, unsigned, signatures, reason);
          a = { attempt: n, signed, details: unsigned.details, submittedAt: 0, fee: preflight.fee };
        }
        lastSignedAt = Date.now();
      } catch (err) {
        // Nothing new left this process. Fail only if no earlier attempt can still land; else keep watching them.
        const error = describeFailure(err);
        if (error.id === 'utxos_in_flight' && changeWaits < MAX_CHANGE_WAITS && patched(WAIT_FOR_CHANGE)) {
          // The wallet's coins come back as change of its in-flight transfers (one block away, 10 min on
          // mainnet): wait on a durable timer and prepare again; nothing was reserved or signed.
          changeWaits++;
          await sleep(input.pollIntervalMs);
          continue;
        }
        if (attempts.every((x) => x.dead)) return fail(error);
        lastError = error;
        return undefined;
      }
      attempts.push(a);
      progress = { ...progress, status: progress.status === 'pending' ? 'signed' : progress.status };
      try {
        const submitted: StatusPatch = { status: 'submitted', transactionHash: a.signed.hash, fee: a.fee };
        if (merged) {
          const result = await sender.broadcastAndRecord(input, a.attempt, a.signed, submitted);
          a.submittedAt = result.broadcastAt;
          recordLocally(submitted);
        } else {
          const result = await sender.broadcast(input, a.attempt, a.signed, false);
          a.submittedAt = result.broadcastAt;
          await record(submitted);
        }
        lastError = undefined;
        answer(a.signed.hash, false);
        return undefined;
      } catch (err) {
        const f = describeBroadcastFailure(err);
        lastError = { id: f.id, message: f.message };
        if (f.id === 'fee_too_low' && f.sequenced && !f.possiblySent && n < MAX_ATTEMPTS) {
          // Same nonce / sequence, fresh fees: the two attempts exclude each other, so no proof is needed.
          reason = `re-signed with the same nonce and fresh fees: attempt ${n} was refused as fee_too_low (${f.message}); both hold the same nonce, so at most one can land`;
          keepReservation = true;
          continue;
        }
        if (!f.possiblySent && f.sequenced && !REBUILD_ON.has(f.id)) {
          // The node refused the bytes on their only send; the nonce / inputs go to the next transfer of this
          // wallet, whose transaction conflicts with these bytes, so at most one of the two can ever land.
          await markDead(a, `refused by the node on its only broadcast (${f.id}: ${f.message})`);
          if (attempts.every((x) => x.dead)) return fail(lastError);
        }
        // Unclear, or a rejection that only the chain can confirm: watch every attempt until it lands or is
        // proven dead. Never release, never fail here.
        return undefined;
      }
    }
  }

  async function watch(): Promise<TransferProgress> {
    let misses = resume?.misses ?? 0;
    for (;;) {
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof transferWorkflow>(input, {
          attempts,
          progress,
          misses,
          lastError,
          cancelAttempt,
          autoBumps,
          lastSignedAt,
          ...(parkedFrom ? { parkedFrom } : {}),
        });
      }
      if (pendingJobs()) await runReplacements();
      const live = attempts.filter((a) => !a.dead);
      let seen: ChainStatus[];
      try {
        seen = await Promise.all(
          live.map((a) => watcher.checkStatus(pollTarget(), a.signed.hash, a.details, a.submittedAt)),
        );
      } catch (err) {
        // Exhausted (days of RPC outage) or refused for good (a misconfigured node): the signed bytes may still land,
        // so never fail and never stop watching. Park for an operator, visibly, and keep trying slowly.
        if (!patched(PARK_ON_EXHAUSTED_CHECKS)) throw err;
        await park(describeFailure(err));
        await condition(pendingJobs, input.pollIntervalMs * PARKED_POLL_FACTOR);
        continue;
      }
      if (parkedFrom) await unpark();
      const landedAt = seen.findIndex((s) => s.state === 'included' || s.state === 'failed');
      if (landedAt >= 0) {
        misses = 0;
        if (await apply(live[landedAt]!, seen[landedAt]!)) return finish();
      } else {
        for (const [i, s] of seen.entries()) {
          if (s.state === 'expired') await markDead(live[i]!, s.reason);
        }
        if (progress.status === 'confirmed') {
          // Included before and gone now: a reorg. Back to submitted; the same bytes stay valid.
          await record({ status: 'submitted', confirmations: 0, blockNumber: null, blockHash: null });
        }
        if (attempts.every((a) => a.dead)) {
          const outcome = await afterAllDead();
          if (outcome) return outcome;
          misses = 0;
          continue;
        }
        if (seen.some((s) => s.state === 'not_found')) {
          misses++;
          // From the input, fixed at submit: older histories replay with the old constant.
          if (misses % (input.resendAfterMisses ?? RESEND_AFTER_MISSES) === 0) await resendLive();
        } else {
          misses = 0;
        }
        bumpIfStuck();
      }
      // A speed-up / cancel request wakes the loop at once.
      await condition(pendingJobs, input.pollIntervalMs);
    }
  }

  /** What a status check needs to know of the transfer: its network (not the whole input, once per poll). */
  function pollTarget(): Pick<TransferInput, 'transferId' | 'network'> {
    return patched(SLIM_STATUS_CHECKS) ? { transferId: input.transferId, network: input.network } : input;
  }

  /** Status checks cannot be made: `needs_attention` with why (once), remembering the status to go back to. */
  async function park(error: { id: string; message: string }): Promise<void> {
    if (parkedFrom) return;
    parkedFrom = progress.status;
    await record({
      status: NEEDS_ATTENTION,
      error: { id: 'status_checks_exhausted', message: `status checks stopped: ${error.id}: ${error.message}` },
    });
  }

  /** A status check worked again: back to the status before parking, error cleared. */
  async function unpark(): Promise<void> {
    const back = parkedFrom!;
    parkedFrom = undefined;
    await record({ status: back, error: null });
  }

  /** Not included after `stuckAfterMs` since the newest signature: queue a same-nonce fee bump (bounded). */
  function bumpIfStuck(): void {
    if (input.stuckAfterMs === undefined || cancelAttempt !== undefined || autoBumps >= MAX_AUTO_BUMPS) return;
    if (progress.status !== 'submitted' && progress.status !== 'signed') return;
    let since = lastSignedAt;
    let from = 'signing';
    if (patched(STUCK_AFTER_ACCEPTANCE)) {
      // Bytes no node has accepted yet (a killed worker, Temporal down) are not stuck: resendLive delivers them.
      const newest = attempts.filter((a) => !a.dead).at(-1);
      if (!newest || newest.submittedAt === 0) return;
      since = Math.max(lastSignedAt, newest.submittedAt);
      from = 'the RPC accepted it';
    }
    const waited = Date.now() - since;
    if (waited < input.stuckAfterMs) return;
    autoBumps++;
    jobs.push({
      request: { kind: 'speed_up', automatic: true },
      why: `not included ${Math.round(waited / 1000)} s after ${from}`,
    });
  }

  /** Signs and sends every queued replacement of the newest live attempt (same nonce: at most one can land). */
  async function runReplacements(): Promise<void> {
    for (const job of jobs.filter((j) => !j.result && !j.error)) {
      const latest = attempts.filter((a) => !a.dead).at(-1);
      if (TERMINAL.includes(progress.status) || !latest) {
        job.error = { id: 'transfer_terminal', message: `the transfer is already ${progress.status}` };
        continue;
      }
      const existingCancel = attempts.find((a) => a.attempt === cancelAttempt);
      if (job.request.kind === 'cancel' && existingCancel) {
        job.result = replacementResult('cancel', existingCancel);
        continue;
      }
      if (job.request.kind === 'speed_up' && existingCancel) {
        job.error = { id: 'transfer_terminal', message: 'a cancel was requested: the transfer is no longer sped up' };
        continue;
      }
      try {
        const unsigned = await chain.buildReplacement(input, latest.details, job.request);
        const n = attempts.length + 1;
        const signatures = await signing.sign(input, unsigned, n);
        const what = job.request.kind === 'cancel' ? 'a send back to self (cancel)' : 'bumped fees (speed-up)';
        const authority =
          latest.details.nonce !== undefined ? `the same nonce ${String(latest.details.nonce)}` : 'the same inputs';
        const reason = `${job.why}: ${what} with ${authority} as attempt ${latest.attempt}, so at most one of them can land`;
        const signed = await storage.storeSigned(input, n, unsigned, signatures, reason);
        const a: AttemptState = { attempt: n, signed, details: unsigned.details, submittedAt: 0, fee: '0' };
        attempts.push(a);
        lastSignedAt = Date.now();
        progress = { ...progress, attempt: n };
        if (job.request.kind === 'cancel') cancelAttempt = n;
        try {
          const sent = await sender.broadcast(input, n, signed, false);
          a.submittedAt = sent.broadcastAt;
          job.result = replacementResult(job.request.kind, a);
        } catch (err) {
          // Refused or unclear: the attempt shares the nonce, so it stays watched; the caller hears why.
          job.error = describeFailure(err);
        }
      } catch (err) {
        job.error = describeFailure(err);
      }
      // A bump that cannot go higher (caps) ends the automatic bumps.
      if (job.error?.id === 'fee_cap_exceeded') autoBumps = MAX_AUTO_BUMPS;
      // Queued behind an earlier unmined nonce: not a bump; look again after another stuckAfterMs.
      if (job.error?.id === 'replacement_waiting') {
        autoBumps--;
        lastSignedAt = Date.now();
      }
    }
  }

  function replacementResult(kind: ReplacementResult['kind'], a: AttemptState): ReplacementResult {
    return { transferId: input.transferId, kind, attempt: a.attempt, transactionHash: a.signed.hash };
  }

  /** Every attempt is proven dead: sign a new one if the transfer may still go through, else fail. */
  async function afterAllDead(): Promise<TransferProgress | undefined> {
    const dead = attempts.map((a) => `attempt ${a.attempt} (${a.signed.hash}): ${a.dead}`).join('; ');
    const error = lastError ?? { id: 'tx_expired', message: `every attempt expired: ${dead}` };
    if (attempts.length >= MAX_ATTEMPTS) return fail({ id: error.id, message: `${error.message} (${dead})` });
    lastError = error;
    return sendNewAttempt(`re-signed after every earlier attempt was proven dead: ${dead}`);
  }

  /** The same bytes again for every live attempt: safe, and the cure for a dropped or lost broadcast. */
  async function resendLive(): Promise<void> {
    for (const a of attempts.filter((x) => !x.dead)) {
      try {
        const result = await sender.broadcast(input, a.attempt, a.signed, true);
        if (a.submittedAt === 0) a.submittedAt = result.broadcastAt;
        if (progress.status === 'signed') {
          await record({ status: 'submitted', transactionHash: a.signed.hash, fee: a.fee });
          answer(a.signed.hash, false);
        }
      } catch (err) {
        // A resend's error proves nothing (the bytes may be in a block a lagging node has not seen): keep watching.
        lastError = describeFailure(err);
      }
    }
  }

  /** Applies an inclusion of attempt `a`; returns true when the transfer reached a terminal state. */
  async function apply(a: AttemptState, status: ChainStatus): Promise<boolean> {
    if (status.state !== 'included' && status.state !== 'failed') return false;
    const hash = a.signed.hash !== progress.transactionHash ? { transactionHash: a.signed.hash } : {};
    if (status.state === 'failed' && status.final) {
      await record({
        status: 'failed',
        ...hash,
        confirmations: status.confirmations ?? progress.confirmations,
        blockNumber: status.blockNumber ?? null,
        blockHash: status.blockHash ?? null,
        error: { id: 'tx_reverted', message: status.reason },
      });
      // The chain used the nonce / inputs: no other attempt can land any more.
      await storage.releaseReservation(input);
      answer(a.signed.hash, true);
      return true;
    }
    if (a.attempt === cancelAttempt) {
      // The cancel landed: the transfer's own transaction can never land (same nonce). Terminal once final.
      answer(a.signed.hash, true);
      if (!status.final) return false;
      await record({
        status: 'replaced',
        transactionHash: a.signed.hash,
        confirmations: status.confirmations ?? 0,
        blockNumber: status.blockNumber ?? null,
        blockHash: status.blockHash ?? null,
      });
      await storage.releaseReservation(input);
      return true;
    }
    const next: TransferStatus = status.state === 'included' && status.final ? 'finalized' : 'confirmed';
    const confirmations = status.confirmations ?? 0;
    const onlyDeeper =
      next === 'confirmed' &&
      progress.status === 'confirmed' &&
      status.blockNumber === progress.blockNumber &&
      !hash.transactionHash &&
      patched(CONFIRMATIONS_IN_CHECK);
    if (onlyDeeper) {
      // The status check already wrote the deeper count to the row (one activity and workflow task less per block).
      progress = { ...progress, confirmations };
    } else if (
      next !== progress.status ||
      confirmations !== progress.confirmations ||
      status.blockNumber !== progress.blockNumber ||
      hash.transactionHash
    ) {
      await record({
        status: next,
        ...hash,
        confirmations,
        blockNumber: status.blockNumber ?? null,
        blockHash: status.blockHash ?? null,
      });
    }
    answer(a.signed.hash, true);
    if (next === 'finalized') await storage.releaseReservation(input);
    return next === 'finalized';
  }
}

/** The stable id and message of a failure coming out of an activity. */
function describeFailure(err: unknown): { id: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { id: cause.type ?? 'INTERNAL_ERROR', message: cause.message };
  return { id: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}

/** A broadcast failure; anything the activity did not vouch for (timeouts included) counts as possibly sent. */
function describeBroadcastFailure(err: unknown): BroadcastFailure {
  const { id, message } = describeFailure(err);
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const facts =
    cause instanceof ApplicationFailure ? (cause.details?.[0] as Partial<BroadcastFailure> | undefined) : {};
  return {
    id,
    message,
    possiblySent: facts?.possiblySent !== false,
    sequenced: facts?.sequenced === true,
  };
}
