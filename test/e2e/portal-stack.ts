/**
 * A test stack for the Portal tests: the real API and worker like test/support/stack.ts, plus what those
 * tests need to control: a fake clock (credential expiry), the TEST-ONLY Paillier keys (fast ECDSA
 * key generation), the master key (to open sealed rows in assertions) and a capture of the API's logs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { seedServerKey } from '../../api/auth.js';
import type { RateLimits } from '../../api/rate-limit.js';
import type { ChainRegistry } from '../../chains/registry.js';
import { loadConfig } from '../../config/env.js';
import { buildRuntime, type Runtime } from '../../runtime/deps.js';
import { testPaillierKeySource } from '../../signer/mpc/test-keys.js';
import { createWorker } from '../../worker.js';
import { workflowBundle } from '../support/stack.js';

export interface FakeClock {
  now: () => Date;
  advance(ms: number): void;
}

export function fakeClock(start = Date.now()): FakeClock {
  let t = start;
  return {
    now: () => new Date(t),
    advance(ms) {
      t += ms;
    },
  };
}

export interface PortalStack {
  url: string;
  apiKey: string;
  masterKey: string;
  runtime: Runtime;
  temporal: Client;
  clock: FakeClock;
  /** Every line the API logged (level trace). */
  logs: string[];
  call<T = unknown>(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** No rate limits unless a test asks for them (the Portal tests burst far above production limits). */
const UNLIMITED: RateLimits = { windowMs: 60_000, perIp: 0, perCredential: 0, expensivePerCredential: 0 };

export async function startPortalStack(
  opts: { chains?: ChainRegistry; rateLimits?: RateLimits } = {},
): Promise<PortalStack> {
  const taskQueue = `tq-${randomUUID()}`;
  const apiKey = `cfsk_${randomBytes(16).toString('hex')}`;
  const masterKey = randomBytes(32).toString('hex');
  const tenantId = `tenant-${randomUUID()}`;
  const config = loadConfig({
    ...process.env,
    MASTER_KEY: masterKey,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ENABLE_DEV_FAUCET: 'true',
  });
  const clock = fakeClock();
  const runtime = buildRuntime(config, {
    paillierKeys: testPaillierKeySource(),
    now: clock.now,
    presignatures: 0,
    ...(opts.chains ? { chains: opts.chains } : {}),
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'trace', redact: ['req.headers.authorization', '*.share', '*.privateKey'] }, sink);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: runtime.dataConverter,
  });
  await seedServerKey(runtime.prisma, tenantId, apiKey);
  const app = createApp({ ...runtime, temporal, config, logger, rateLimits: opts.rateLimits ?? UNLIMITED });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const { worker, connection: workerConnection } = await createWorker(runtime, {
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: await workflowBundle(),
  });
  const run = worker.run();

  return {
    url,
    apiKey,
    masterKey,
    runtime,
    temporal,
    clock,
    logs,
    async call(token, method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // non-JSON body: keep the text
      }
      return { status: res.status, body: parsed as never };
    },
    async close() {
      worker.shutdown();
      await run;
      await workerConnection.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
      await runtime.close();
    },
  };
}

/** Polls a transfer (with any credential that may see it) until it is finalized, failed or replaced. */
export async function waitForFinal(
  stack: PortalStack,
  token: string,
  transferId: string,
  timeoutMs = 60_000,
): Promise<{ status: string; error: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await stack.call<{ status: string; error: unknown }>(token, 'GET', `/v1/transfers/${transferId}`);
    if (['finalized', 'failed', 'replaced'].includes(body.status) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
}
