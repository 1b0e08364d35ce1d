import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities/index.js';
import { waitForSubmissionUpdate } from '../../workflows/messages.js';
import { transferWorkflow } from '../../workflows/transfer.js';
import { workflowBundle } from '../support/stack.js';
import { createLocalEnv, input, type Recorder, scriptedActivities } from './harness.js';

const { EventType } = proto.temporal.api.enums.v1;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createLocalEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/**
 * RECORD_HISTORY=1 writes each named path's history to test/fixtures/histories/<name>.json when the file is missing
 * (=overwrite replaces it); test/workflows/replay.test.ts replays every file there against the current code.
 */
async function record(name: string, handle: { fetchHistory(): Promise<unknown> }): Promise<void> {
  const mode = process.env.RECORD_HISTORY;
  if (mode !== '1' && mode !== 'overwrite') return;
  const file = new URL(`../fixtures/histories/${name}.json`, import.meta.url);
  if (mode === '1' && existsSync(file)) return;
  writeFileSync(file, historyToJSON((await handle.fetchHistory()) as Parameters<typeof historyToJSON>[0]));
}

async function run(activities: Activities, workflowId = `wf-${randomUUID()}`) {
  const taskQueue = `tq-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(transferWorkflow, { args: [input], taskQueue, workflowId });
    const submission = await handle.executeUpdate(waitForSubmissionUpdate).catch((err: unknown) => err);
    const result = await handle.result();
    return { submission, result, handle };
  });
}

const statuses = (rec: Recorder) => rec.patches.map((p) => p.status).filter(Boolean);

describe('transferWorkflow on a real Temporal dev server', () => {
  it('prepares (build → sign → store) and broadcasts in two activities, answers the update at RPC acceptance, then finalizes', async () => {
    const { activities, rec } = scriptedActivities({
      statuses: [
        { state: 'pending' },
        { state: 'included', blockNumber: '7', blockHash: '0xb7', confirmations: 1, final: false },
        { state: 'included', blockNumber: '7', blockHash: '0xb7', confirmations: 2, final: true },
      ],
    });
    const workflowId = `wf-happy-${randomUUID()}`;
    const { submission, result, handle } = await run(activities, workflowId);
    expect(submission).toMatchObject({ transferId: 'tr_test', transactionHash: '0xhash1-1', alreadyKnown: false });
    expect(result).toMatchObject({ status: 'finalized', confirmations: 2, blockNumber: '7', attempt: 1 });
    expect(rec.calls.slice(0, 6)).toEqual(['preflight', 'reserve', 'build', 'sign', 'storeSigned', 'broadcast']);
    expect(statuses(rec)).toEqual(['submitted', 'confirmed', 'finalized']);
    const history = await handle.fetchHistory();
    // Before the caller is answered: one activity prepares (signs and stores), one sends and records `submitted`.
    const events = history.events ?? [];
    const answeredAt = events.findIndex(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    );
    expect(answeredAt).toBeGreaterThan(0);
    const before = events.slice(0, answeredAt);
    const scheduled = before
      .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    // The workflow task that answers also schedules the first status check.
    expect(scheduled).toEqual(['prepareAttempt', 'broadcastAndRecord', 'checkStatus']);
    const workflowTasks = before.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    // Start, the update's delivery (sent after the start here), prepared, sent: 4 (the seven-step path took 9).
    expect(workflowTasks.length).toBeLessThanOrEqual(4);
    await record('transfer-happy-merged', handle);
  });

  it('fails with the preflight error id and never signs', async () => {
    const { activities, rec } = scriptedActivities({
      preflight: async () => {
        throw ApplicationFailure.create({ type: 'insufficient_funds', message: 'balance too low', nonRetryable: true });
      },
    });
    const { submission, result, handle } = await run(activities);
    await record('transfer-preflight-failed', handle);
    expect(submission).toMatchObject({ cause: { type: 'insufficient_funds', message: 'balance too low' } });
    expect(result).toMatchObject({ status: 'failed', error: { id: 'insufficient_funds' } });
    expect(rec.calls).not.toContain('sign');
    expect(rec.calls).toContain('releaseReservation');
    expect(statuses(rec)).toEqual(['failed']);
  });

  it('coins held by in-flight transfers: waits for the change on a workflow timer, then prepares again and lands', async () => {
    let tries = 0;
    const { activities, rec } = scriptedActivities({
      preflight: async () => {
        if (++tries <= 2)
          throw ApplicationFailure.create({
            type: 'utxos_in_flight',
            message: 'inputs are held by in-flight transfers; waiting for their change',
            nonRetryable: true,
          });
        return { errors: [], warnings: [], fee: '21', totalSpent: '1021', context: {} };
      },
    });
    const { submission, result, handle } = await run(activities);
    await record('transfer-wait-for-change', handle);
    expect(submission).toMatchObject({ transactionHash: '0xhash1-1' });
    expect(result).toMatchObject({ status: 'finalized', attempt: 1 });
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(1);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED)).toHaveLength(2);
  });

  it('re-signs only once the chain proves the rejected attempt dead, and keeps the evidence', async () => {
    const { activities, rec } = scriptedActivities({
      status: (hash) =>
        hash.startsWith('0xhash1-')
          ? { state: 'expired', reason: 'finalized block height 400 > lastValidBlockHeight 300' }
          : { state: 'included', blockNumber: '9', blockHash: '0xb9', confirmations: 2, final: true },
      broadcast: async (attempt) => {
        if (attempt === 1) throw rejection('blockhash_expired', 'Blockhash not found', { possiblySent: false });
      },
    });
    const { submission, result, handle } = await run(activities);
    await record('transfer-resign-after-proof', handle);
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(2);
    // The proof came before the second signature.
    expect(rec.calls.indexOf('markAttemptDead')).toBeLessThan(rec.calls.lastIndexOf('sign'));
    expect(rec.dead[1]).toContain('lastValidBlockHeight');
    expect(rec.reasons[2]).toContain('proven dead');
    expect(rec.reasons[2]).toContain('lastValidBlockHeight');
    expect(submission).toMatchObject({ transactionHash: '0xhash2-2' });
    expect(result).toMatchObject({ status: 'finalized', attempt: 2, transactionHash: '0xhash2-2' });
  });

  it('never re-signs on not_found: a lost answer then a lagging node saying "blockhash not found" lands once', async () => {
    let checks = 0;
    const { activities, rec } = scriptedActivities({
      status: () =>
        ++checks < 4
          ? { state: 'not_found' }
          : { state: 'included', blockNumber: '3', blockHash: '0xb3', confirmations: 2, final: true },
      broadcast: async (attempt, resend) => {
        if (attempt === 1 && !resend)
          throw rejection('blockhash_expired', 'Blockhash not found', { possiblySent: true });
      },
    });
    const { result } = await run(activities);
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(1);
    // The reservation is held until the transfer is final.
    expect(rec.calls.indexOf('releaseReservation')).toBe(rec.calls.length - 1);
    expect(result).toMatchObject({ status: 'finalized', attempt: 1, transactionHash: '0xhash1-1' });
  });

  it('a first-try rejection is not proof either: not_found keeps it watched, never re-signed', async () => {
    let checks = 0;
    const { activities, rec } = scriptedActivities({
      status: () =>
        ++checks < 3
          ? { state: 'not_found' }
          : { state: 'included', blockNumber: '3', blockHash: '0xb3', confirmations: 2, final: true },
      broadcast: async (attempt, resend) => {
        if (attempt === 1 && !resend) throw rejection('tx_expired', 'TAPOS_ERROR', { possiblySent: false });
      },
    });
    const { result } = await run(activities);
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(1);
    expect(result).toMatchObject({ status: 'finalized', attempt: 1 });
  });

  it('a broadcast that runs out of time and is then included ends finalized, not failed, nonce kept', async () => {
    let checks = 0;
    const { activities, rec } = scriptedActivities({
      status: () =>
        ++checks < 2
          ? { state: 'not_found' }
          : { state: 'included', blockNumber: '5', blockHash: '0xb5', confirmations: 2, final: true },
      broadcast: async () => {
        // What a schedule-to-close timeout after a lost answer looks like to the workflow: no facts, unclear.
        throw ApplicationFailure.create({ type: 'rpc_failed', message: 'timed out', nonRetryable: true });
      },
    });
    const { result } = await run(activities);
    expect(result).toMatchObject({ status: 'finalized', attempt: 1 });
    expect(statuses(rec)).not.toContain('failed');
    // Released only at the end (finalized), never while the attempt could still land.
    expect(rec.calls.filter((c) => c === 'releaseReservation')).toHaveLength(1);
    expect(rec.calls.at(-1)).toBe('releaseReservation');
  });

  it('an error on a watch-loop resend (fee_too_low, nonce too low from a lagging node) is not a failure', async () => {
    let checks = 0;
    const { activities, rec } = scriptedActivities({
      status: () =>
        ++checks <= 10
          ? { state: 'not_found' }
          : { state: 'included', blockNumber: '6', blockHash: '0xb6', confirmations: 2, final: true },
      broadcast: async (_attempt, resend) => {
        if (resend) throw rejection('nonce_conflict', 'nonce too low', { possiblySent: true, sequenced: true });
      },
    });
    const { result } = await run(activities);
    expect(rec.calls).toContain('resend');
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(1);
    expect(result).toMatchObject({ status: 'finalized', attempt: 1 });
    expect(statuses(rec)).not.toContain('failed');
  });

  it('an EVM fee_too_low on the only send is re-signed with the same reservation (no release, no wait)', async () => {
    const { activities, rec } = scriptedActivities({
      status: (hash) =>
        hash.startsWith('0xhash2-')
          ? { state: 'included', blockNumber: '8', blockHash: '0xb8', confirmations: 2, final: true }
          : { state: 'not_found' },
      broadcast: async (attempt, resend) => {
        if (attempt === 1 && !resend)
          throw rejection('fee_too_low', 'max fee per gas less than block base fee', {
            possiblySent: false,
            sequenced: true,
          });
      },
    });
    const { result } = await run(activities);
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(2);
    expect(rec.calls.indexOf('releaseReservation')).toBe(rec.calls.length - 1); // only after finalized
    expect(rec.reasons[2]).toContain('same nonce');
    expect(result).toMatchObject({ status: 'finalized', attempt: 2, transactionHash: '0xhash2-2' });
  });

  it('whichever attempt lands wins: the first one landing after a re-sign finalizes with its hash', async () => {
    const { activities, rec } = scriptedActivities({
      status: (hash) =>
        hash.startsWith('0xhash1-')
          ? { state: 'included', blockNumber: '12', blockHash: '0xb12', confirmations: 2, final: true }
          : { state: 'not_found' },
      broadcast: async (attempt, resend) => {
        if (attempt === 1 && !resend)
          throw rejection('fee_too_low', 'replacement transaction underpriced', {
            possiblySent: false,
            sequenced: true,
          });
      },
    });
    const { result } = await run(activities);
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(2);
    expect(result).toMatchObject({ status: 'finalized', transactionHash: '0xhash1-1' });
  });

  it("a sequenced chain's definitive refusal on the only send fails and releases (the next user of the nonce conflicts)", async () => {
    const { activities, rec } = scriptedActivities({
      broadcast: async () => {
        throw rejection('insufficient_funds', 'insufficient funds for gas * price + value', {
          possiblySent: false,
          sequenced: true,
        });
      },
    });
    const { submission, result } = await run(activities);
    expect(submission).toMatchObject({ cause: { type: 'insufficient_funds' } });
    expect(result).toMatchObject({ status: 'failed', error: { id: 'insufficient_funds' } });
    expect(rec.dead[1]).toContain('refused by the node');
    expect(rec.calls).toContain('releaseReservation');
  });

  it('the same refusal on an unsequenced chain (Solana, Tron) waits for the chain to prove expiry before failing', async () => {
    let checks = 0;
    const { activities, rec } = scriptedActivities({
      status: () => (++checks < 3 ? { state: 'not_found' } : { state: 'expired', reason: 'expiration passed' }),
      broadcast: async (attempt) => {
        if (attempt === 1)
          throw rejection('insufficient_funds', 'balance too low', { possiblySent: false, sequenced: false });
        throw rejection('insufficient_funds', 'balance too low', { possiblySent: false, sequenced: false });
      },
    });
    const { result } = await run(activities);
    // Proven dead → one re-sign (the error may have been a lagging node's), then dead again → failed after 3.
    expect(result).toMatchObject({ status: 'failed', error: { id: 'insufficient_funds' } });
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(3);
    expect(Object.keys(rec.dead)).toEqual(['1', '2', '3']);
    // Every re-sign came after the previous attempt's proof.
    const idx = (c: string, n: number) => rec.calls.map((x, i) => (x === c ? i : -1)).filter((i) => i >= 0)[n]!;
    expect(idx('markAttemptDead', 0)).toBeLessThan(idx('sign', 1));
    expect(idx('markAttemptDead', 1)).toBeLessThan(idx('sign', 2));
  });

  it('status checks that give up park the transfer as needs_attention (never a failed run) and it resumes', async () => {
    const { activities, rec } = scriptedActivities({
      status: (_hash, check) => {
        // A node pointed at the wrong chain (non-retryable): the activity gives up at once, as after 7 days of outage.
        if (check === 1)
          throw ApplicationFailure.create({ type: 'rpc_chain_mismatch', message: 'wrong chain', nonRetryable: true });
        return check === 0
          ? { state: 'pending' }
          : { state: 'included', blockNumber: '12', blockHash: '0xbc', confirmations: 2, final: true };
      },
    });
    const { result, handle } = await run(activities);
    await record('transfer-parked', handle);
    expect(result).toMatchObject({ status: 'finalized', blockNumber: '12' });
    expect(statuses(rec)).toEqual(['submitted', 'needs_attention', 'submitted', 'finalized']);
    const parked = rec.patches.find((p) => p.status === 'needs_attention');
    expect(parked?.error).toMatchObject({ id: 'status_checks_exhausted' });
    expect(parked?.error?.message).toContain('rpc_chain_mismatch');
    // The error is cleared when the checks work again.
    expect(rec.patches.find((p) => p.status === 'submitted' && p.error === null)).toBeDefined();
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(1);
  });

  it('moves back to submitted on a reorg and finalizes on the new chain', async () => {
    const { activities, rec } = scriptedActivities({
      statuses: [
        { state: 'included', blockNumber: '10', blockHash: '0xaaa', confirmations: 1, final: false },
        { state: 'not_found' },
        { state: 'included', blockNumber: '11', blockHash: '0xbbb', confirmations: 2, final: true },
      ],
    });
    const { result, handle } = await run(activities);
    await record('transfer-reorg', handle);
    expect(statuses(rec)).toEqual(['submitted', 'confirmed', 'submitted', 'finalized']);
    expect(result).toMatchObject({ status: 'finalized', blockNumber: '11' });
  });

  it('reports a reverted transaction as failed with tx_reverted once final', async () => {
    const { activities } = scriptedActivities({
      statuses: [
        {
          state: 'failed',
          reason: 'execution reverted on chain',
          blockNumber: '4',
          blockHash: '0xb4',
          confirmations: 2,
          final: true,
        },
      ],
    });
    const { result, handle } = await run(activities);
    await record('transfer-reverted', handle);
    expect(result).toMatchObject({ status: 'failed', error: { id: 'tx_reverted' } });
  });

  it('re-signs after a proven expiry and fails with tx_expired once every one of 3 attempts expired', async () => {
    const { activities, rec } = scriptedActivities({ statuses: [{ state: 'expired', reason: 'blockhash expired' }] });
    const { result, handle } = await run(activities);
    await record('transfer-expired-thrice', handle);
    expect(result).toMatchObject({ status: 'failed', error: { id: 'tx_expired' } });
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(3);
    expect(Object.keys(rec.dead)).toEqual(['1', '2', '3']);
    expect(statuses(rec).at(-1)).toBe('failed');
    expect(rec.calls.at(-1)).toBe('releaseReservation');
  });
});

function rejection(type: string, message: string, facts: { possiblySent: boolean; sequenced?: boolean }) {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [facts] });
}
