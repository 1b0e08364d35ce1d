/**
 * Signing on its own fleet: transfer workflows schedule prepareAttempt and sign on the signing task queue, which only
 * `npm run worker:signing` (WORKER_ROLE=signing) polls. With only the transfers worker up, a transfer waits unsigned
 * (nothing reserved, nothing stored, /health says which fleet is missing); the transfers worker has no signing
 * activity registered at all. Once a signing worker process starts, the same transfer is signed and finalizes, and
 * that process never polls for workflow tasks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { freshPollers } from '../../temporal/pollers.js';
import { SIGNING_ACTIVITIES } from '../../worker.js';
import { fundedServerWallet, startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

const { TaskQueueType } = proto.temporal.api.enums.v1;
let stack: TestStack;
let signingProcess: ChildProcess | undefined;

beforeAll(async () => {
  // Only the transfers worker in process: the signing queue has never had a poller. A 2 s acceptance deadline.
  // Its I/O activities on Temporal's resource-based tuner (WORKER_ACTIVITY_TUNER=resource-based).
  stack = await startTestStack({
    workerRole: 'transfers',
    activityTuner: 'resource-based',
    env: { ACCEPTANCE_TIMEOUT_MS: '2000' },
  });
});
afterAll(async () => {
  signingProcess?.kill('SIGKILL');
  await stack?.close();
});

function startSigningProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    env: { ...process.env, ...stack.env, WORKER_ROLE: 'signing' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker polling')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`signing worker exited early (${code})`)));
  });
}

async function pollerIdentities(queue: string, type: proto.temporal.api.enums.v1.TaskQueueType): Promise<string[]> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  try {
    const d = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: queue },
      taskQueueType: type,
    });
    return freshPollers(d.pollers, Date.now()).map((p) => p.identity ?? '');
  } finally {
    await connection.close();
  }
}

describe('the signing fleet', () => {
  it('without a signing worker a transfer waits unsigned; a signing worker process signs it and it finalizes', async () => {
    const wallet = await fundedServerWallet(stack, 'fleet', '1');
    await stack.stopWorker();
    const transfers = await stack.startWorker();
    const registered = [...transfers.workers[0]!.options.activities.keys()];
    for (const name of SIGNING_ACTIVITIES) expect(registered, 'the transfers worker cannot sign').not.toContain(name);
    expect(registered).toContain('checkStatus');
    expect(transfers.workers[0]!.options.tuner.activityTaskSlotSupplier).toMatchObject({ type: 'resource-based' });

    const health = await fetch(`${stack.url}/health`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
    expect(health.status).toBe(503);
    const checks = ((await health.json()) as { checks: Record<string, { ok: boolean; reason?: string }> }).checks;
    expect(checks.worker?.ok).toBe(true);
    expect(checks.signing).toMatchObject({ ok: false, reason: 'no_worker' });

    // Count the API's calls that wait on the update (the update-with-start itself, then its result polls): after the
    // 202, none may be left open.
    type Rpc = (...a: unknown[]) => Promise<unknown>;
    const service = stack.apiTemporal.workflowService as unknown as Record<string, Rpc>;
    let polling = 0;
    for (const method of ['executeMultiOperation', 'pollWorkflowExecutionUpdate']) {
      const original = service[method]!.bind(service);
      service[method] = async (...args: unknown[]) => {
        polling++;
        try {
          return await original(...args);
        } finally {
          polling--;
        }
      };
    }
    const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
    const send = stack.call<{ transferId: string; status: string }>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to, token: 'NATIVE', amount: '0.001', walletId: wallet.walletId },
      { 'idempotency-key': `fleet-${to}` },
    );
    let row = null as Awaited<ReturnType<typeof stack.runtime.prisma.transfer.findFirst>>;
    for (let i = 0; i < 100 && !row; i++) {
      row = await stack.runtime.prisma.transfer.findFirst({ where: { toAddress: to } });
      if (!row) await new Promise((r) => setTimeout(r, 100));
    }
    expect(row, 'the API stored the transfer').not.toBeNull();
    await new Promise((r) => setTimeout(r, 3_000));
    const waiting = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: row!.id } });
    expect(waiting.status).toBe('pending');
    expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: row!.id } })).toBe(0);
    expect(await stack.runtime.prisma.nonceReservation.count({ where: { transferId: row!.id } })).toBe(0);
    // The acceptance deadline passed: 202 with the pending transfer, and the API no longer waits on the workflow.
    const answer = await send;
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.status).toBe('pending');
    await new Promise((r) => setTimeout(r, 500));
    expect(polling, 'update polls left open after the 202').toBe(0);

    signingProcess = await startSigningProcess();
    const final = await waitForTransfer<{ status: string; transactionHash: string }>(stack, row!.id);
    expect(final.status).toBe('finalized');
    const receipt = await createEvmClient(process.env.RPC_URL_ANVIL!).getTransactionReceipt({
      hash: final.transactionHash as Hex,
    });
    expect(receipt.status).toBe('success');

    // The signing process polls only the signing queue: it never runs workflow code.
    const identity = `${signingProcess.pid}@`;
    const signers = await pollerIdentities(`${stack.taskQueue}-signing`, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
    expect(signers.some((id) => id.startsWith(identity))).toBe(true);
    const workflowPollers = await pollerIdentities(stack.taskQueue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
    expect(workflowPollers.some((id) => id.startsWith(identity))).toBe(false);
    const healthy = await fetch(`${stack.url}/health`);
    expect(healthy.status).toBe(200);
  }, 120_000);
});
