import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities/index.js';
import { waitForSubmissionUpdate } from '../../workflows/messages.js';
import { transferWorkflow } from '../../workflows/transfer.js';
import { workflowBundle } from '../support/stack.js';
import { createLocalEnv, input, type Recorder, scriptedActivities } from './harness.js';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createLocalEnv();
});
afterAll(async () => {
  await env?.teardown();
});

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
  it('runs build → sign → store → broadcast, answers the update at RPC acceptance, then finalizes', async () => {
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
    if (process.env.RECORD_HISTORY === '1') {
      const history = await handle.fetchHistory();
      writeFileSync(new URL('../fixtures/histories/transfer-happy.json', import.meta.url), historyToJSON(history));
    }
  });

  it('fails with the preflight error id and never signs', async () => {
    const { activities, rec } = scriptedActivities({
      preflight: async () => {
        throw ApplicationFailure.create({ type: 'insufficient_funds', message: 'balance too low', nonRetryable: true });
      },
    });
    const { submission, result } = await run(activities);
    expect(submission).toMatchObject({ cause: { type: 'insufficient_funds', message: 'balance too low' } });
    expect(result).toMatchObject({ status: 'failed', error: { id: 'insufficient_funds' } });
    expect(rec.calls).not.toContain('sign');
    expect(rec.calls).toContain('releaseReservation');
    expect(statuses(rec)).toEqual(['failed']);
  });

  it('re-signs only after the node rejected the bytes as dead and the chain does not know them', async () => {
    const { activities, rec } = scriptedActivities({
      statuses: [
        { state: 'not_found' },
        { state: 'included', blockNumber: '9', blockHash: '0xb9', confirmations: 2, final: true },
      ],
      broadcast: async (attempt) => {
        if (attempt === 1)
          throw ApplicationFailure.create({
            type: 'blockhash_expired',
            message: 'Blockhash not found',
            nonRetryable: true,
          });
      },
    });
    const { submission, result } = await run(activities);
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(2);
    expect(rec.calls.filter((c) => c === 'releaseReservation').length).toBeGreaterThanOrEqual(1);
    expect(submission).toMatchObject({ transactionHash: '0xhash2-2' });
    expect(result).toMatchObject({ status: 'finalized', attempt: 2 });
  });

  it('does not re-sign when the "dead" transaction is actually known to the chain', async () => {
    const { activities, rec } = scriptedActivities({
      statuses: [
        { state: 'pending' },
        { state: 'included', blockNumber: '3', blockHash: '0xb3', confirmations: 2, final: true },
      ],
      broadcast: async () => {
        throw ApplicationFailure.create({ type: 'tx_expired', message: 'expired', nonRetryable: true });
      },
    });
    const { result } = await run(activities);
    expect(rec.calls.filter((c) => c === 'sign')).toHaveLength(1);
    expect(result).toMatchObject({ status: 'finalized', attempt: 1 });
  });

  it('moves back to submitted on a reorg and finalizes on the new chain', async () => {
    const { activities, rec } = scriptedActivities({
      statuses: [
        { state: 'included', blockNumber: '10', blockHash: '0xaaa', confirmations: 1, final: false },
        { state: 'not_found' },
        { state: 'included', blockNumber: '11', blockHash: '0xbbb', confirmations: 2, final: true },
      ],
    });
    const { result } = await run(activities);
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
    const { result } = await run(activities);
    expect(result).toMatchObject({ status: 'failed', error: { id: 'tx_reverted' } });
  });

  it('marks an expired transaction failed with tx_expired', async () => {
    const { activities } = scriptedActivities({ statuses: [{ state: 'expired', reason: 'blockhash expired' }] });
    const { result } = await run(activities);
    expect(result).toMatchObject({ status: 'failed', error: { id: 'tx_expired' } });
  });
});
