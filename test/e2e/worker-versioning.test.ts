/**
 * Worker Versioning (Worker Deployments, Pinned): a transfer started on build A finishes on build A while build B,
 * promoted to the deployment's current version meanwhile, takes the new transfers. Real Temporal dev server (1.32),
 * real anvil; both builds run the same code here, the routing is what is under test.
 */
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { createWorker, type WorkerGroup } from '../../worker.js';
import {
  fundedServerWallet,
  startTestStack,
  type TestStack,
  waitForTransfer,
  workflowBundle,
} from '../support/stack.js';

const { EventType } = proto.temporal.api.enums.v1;
let stack: TestStack;
let connection: Connection;
const running: { group: WorkerGroup; done: Promise<void> }[] = [];
const deploymentName = `chainflow-test-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  // Final at 8 confirmations (≈ 8 s of 1 s blocks): long enough to deploy build B while a transfer is watching.
  const chains = new ChainRegistry(loadNetworks({ ...process.env, REQUIRED_CONFIRMATIONS_ANVIL: '8' }));
  stack = await startTestStack({ chains });
  await stack.stopWorker(); // only versioned workers from here on
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
});
afterAll(async () => {
  for (const r of running) r.group.shutdown();
  await Promise.all(running.map((r) => r.done.catch(() => {})));
  await connection?.close();
  await stack?.close();
});

async function startBuild(buildId: string): Promise<void> {
  const { worker, connection: workerConnection } = await createWorker(stack.runtime, {
    address: process.env.TEMPORAL_ADDRESS!,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    deployment: { name: deploymentName, buildId },
    workflowBundle: await workflowBundle(),
  });
  running.push({ group: worker, done: worker.run().finally(() => workerConnection.close()) });
}

/** `temporal worker deployment set-current-version`, retried until the server has seen the build's pollers. */
async function promote(buildId: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await connection.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: 'default',
        deploymentName,
        buildId,
        identity: 'worker-versioning.test',
      });
      return;
    } catch (err) {
      if (i >= 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function send(walletId: string, key: string): Promise<string> {
  const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
  const res = await stack.call<{ transferId: string }>(
    'POST',
    '/v1/assets/send',
    { chain: 'anvil', to, token: 'NATIVE', amount: '0.001', walletId },
    { 'idempotency-key': key },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.transferId;
}

/** The build every workflow task of this transfer completed on, and the workflow's versioning behaviour. */
async function buildsOf(transferId: string): Promise<{ builds: string[]; behavior: unknown; pinnedTo?: string }> {
  const row = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: transferId } });
  const execution = { workflowId: row.workflowId };
  const history = await connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution });
  const builds = (history.history?.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    .map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId ?? '(none)');
  const described = await connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution });
  const info = described.workflowExecutionInfo?.versioningInfo;
  return {
    builds: [...new Set(builds)],
    behavior: info?.behavior,
    pinnedTo: info?.deploymentVersion?.buildId ?? undefined,
  };
}

describe('Worker Versioning', () => {
  it('a transfer started on build A finishes on A while build B, promoted meanwhile, takes the new transfers', async () => {
    const wallet = await fundedServerWallet(stack, 'versions', '1');
    await startBuild('A');
    await promote('A');
    const first = await send(wallet.walletId, `v-a-${randomUUID()}`);

    // Deploy B next to A and make it current while the first transfer is still waiting for its confirmations.
    await startBuild('B');
    await promote('B');
    const watching = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: first } });
    expect(watching.status, 'the first transfer is still in flight when B becomes current').not.toBe('finalized');
    const second = await send(wallet.walletId, `v-b-${randomUUID()}`);

    const [f1, f2] = await Promise.all([
      waitForTransfer<{ status: string }>(stack, first, undefined, 90_000),
      waitForTransfer<{ status: string }>(stack, second, undefined, 90_000),
    ]);
    expect([f1.status, f2.status]).toEqual(['finalized', 'finalized']);

    const a = await buildsOf(first);
    const b = await buildsOf(second);
    expect(a.builds, 'every workflow task of the first transfer ran on build A').toEqual(['A']);
    expect(a.pinnedTo).toBe('A');
    expect(b.builds, 'the transfer started after the promotion ran on build B only').toEqual(['B']);
    expect(b.pinnedTo).toBe('B');
    expect(a.behavior).toBe(proto.temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED);
  }, 180_000);
});
