/**
 * An in-process orchestrator for end-to-end tests: the real API and a real worker, connected to the
 * PostgreSQL, Temporal dev server and anvil that test/global-setup.ts started.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime as TemporalRuntime, type WorkflowBundle } from '@temporalio/worker';
import { startApi } from '../../api/server.js';
import type { ChainRegistry } from '../../chains/registry.js';
import { loadConfig, signingTaskQueueOf } from '../../config/env.js';
import { buildRuntime, type Runtime } from '../../runtime/deps.js';
import { testPaillierKeySource } from '../../signer/mpc/test-keys.js';
import { failureConverterPath } from '../../temporal/data-converter.js';
import { createWorker, type WorkerGroup, type WorkerRole, workflowsPath } from '../../worker.js';
import { assertMatchesContract } from './contract.js';

// Worker state changes at INFO drown test output; warnings and errors still show.
try {
  TemporalRuntime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundling the workflow code takes seconds: once per test file. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    failureConverterPath,
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never,
  });
  return bundle;
}

export interface TestStack {
  url: string;
  apiKey: string;
  runtime: Runtime;
  taskQueue: string;
  /** The environment the API and worker run with (to start more workers as separate processes). */
  env: Record<string, string>;
  /** The API's own Temporal client (to watch what it asks the server). */
  apiTemporal: Client;
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  stopWorker(): Promise<void>;
  /** The in-process worker again; `transfers` polls only the workflow queue (no signing activity registered). */
  startWorker(role?: WorkerRole): Promise<WorkerGroup>;
  close(): Promise<void>;
}

export async function startTestStack(
  opts: {
    env?: Record<string, string>;
    chains?: ChainRegistry;
    /** 'test': the TEST-ONLY pre-generated Paillier keys (fast); 'production': fresh keys from the runtime's pool. */
    paillier?: 'test' | 'production';
    /** Every `call` response is validated against the OpenAPI document (test/support/contract.ts). */
    contract?: boolean;
    /** What the in-process worker polls (default `all`: workflows, I/O and the signing queue). */
    workerRole?: WorkerRole;
    /** The transfers worker's activity slots (default fixed, as WORKER_ACTIVITY_TUNER). */
    activityTuner?: 'fixed' | 'resource-based';
  } = {},
): Promise<TestStack> {
  const taskQueue = `tq-${randomUUID()}`;
  const apiKey = `cfsk_${randomBytes(16).toString('hex')}`;
  const env: Record<string, string> = {
    MASTER_KEY: randomBytes(32).toString('hex'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_PORT: '0',
    DEV_API_KEY: apiKey,
    // one tenant per stack: test files share the database
    DEV_TENANT_ID: `tenant-${randomUUID()}`,
    ENABLE_DEV_FAUCET: 'true',
    LOG_LEVEL: 'silent',
    // Tests poll and burst far above production limits; test/e2e/rate-limit.test.ts tests the limits themselves.
    RATE_LIMIT_PER_IP: '0',
    RATE_LIMIT_PER_CREDENTIAL: '0',
    RATE_LIMIT_EXPENSIVE_PER_CREDENTIAL: '0',
    ...opts.env,
  };
  const config = loadConfig({ ...process.env, ...env });
  const runtime = buildRuntime(config, {
    ...(opts.chains ? { chains: opts.chains } : {}),
    // The production key pool (commitments precomputed on the compute pool ahead of demand) fed with TEST-ONLY keys.
    ...(opts.paillier === 'production' ? {} : { paillierGenerator: testPaillierKeySource() }),
  });
  const api = await startApi(config, runtime);
  let workerRun: Promise<void> | undefined;
  let stopWorker: (() => Promise<void>) | undefined;

  const startWorker = async (role: WorkerRole = opts.workerRole ?? 'all') => {
    const { worker, connection } = await createWorker(runtime, {
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      signingTaskQueue: signingTaskQueueOf(config),
      role,
      ...(opts.activityTuner ? { activityTuner: opts.activityTuner } : {}),
      workflowBundle: await workflowBundle(),
    });
    workerRun = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await workerRun;
      await connection.close();
      stopWorker = undefined;
    };
    return worker;
  };
  await startWorker();

  return {
    url: api.url,
    apiKey,
    runtime,
    taskQueue,
    env,
    apiTemporal: api.temporal,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text || undefined;
      if (opts.contract) assertMatchesContract(method, path, res.status, parsed);
      return { status: res.status, body: parsed as never };
    },
    stopWorker: async () => stopWorker?.(),
    startWorker,
    async close() {
      await stopWorker?.();
      await api.close();
      await runtime.close();
    },
  };
}

/** Polls GET /v1/transfers/:id until `done` holds. */
export async function waitForTransfer<T extends { status: string }>(
  stack: TestStack,
  transferId: string,
  done: (t: T) => boolean = (t) => ['finalized', 'failed', 'replaced'].includes(t.status),
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    const { body } = await stack.call<T>('GET', `/v1/transfers/${transferId}`);
    last = body;
    if (done(body)) return body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`transfer ${transferId} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

/** A server wallet created through the API and funded on anvil from the faucet, with its secp256k1 public key. */
export async function fundedServerWallet(
  stack: TestStack,
  userId: string,
  eth: string,
): Promise<{ walletId: string; address: `0x${string}`; publicKey: string }> {
  const created = await stack.call<{ walletId: string; address: `0x${string}` }>('POST', '/api/wallets', { userId });
  if (created.status !== 201) throw new Error(`POST /api/wallets answered ${created.status}`);
  const funded = await stack.call('POST', '/v1/dev/faucet', {
    chain: 'anvil',
    address: created.body.address,
    amount: eth,
  });
  if (funded.status !== 200) throw new Error(`faucet answered ${funded.status}`);
  const row = await stack.runtime.wallets.require(stack.env.DEV_TENANT_ID!, created.body.walletId);
  return { ...created.body, publicKey: stack.runtime.wallets.publicKeyFor(row, 'secp256k1') };
}
