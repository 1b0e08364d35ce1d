/**
 * The Temporal worker: runs transfer workflows and their activities.
 *   npm run worker   (env: see README "Configuration")
 */
import { fileURLToPath } from 'node:url';
import {
  DefaultLogger,
  type LogLevel,
  NativeConnection,
  Runtime as TemporalRuntime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from './activities/index.js';
import { loadConfig } from './config/env.js';
import { buildRuntime, type Runtime } from './runtime/deps.js';
import { type TemporalConnectionOptions, temporalConnectionOptions } from './temporal/connection.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export async function createWorker(
  runtime: Runtime,
  opts: TemporalConnectionOptions & { namespace: string; taskQueue: string } & Partial<
      Pick<WorkerOptions, 'workflowBundle' | 'maxConcurrentActivityTaskExecutions'>
    >,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { address, tls, apiKey } = opts;
  const connection = await NativeConnection.connect({
    address,
    ...(tls ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
  });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities({ prisma: runtime.prisma, chains: runtime.chains, signer: runtime.signer }),
    dataConverter: runtime.dataConverter,
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100,
    // On SIGTERM, running activities get this long to finish (above the signing/broadcast p99 of a few seconds);
    // what is still running after it is retried elsewhere after its heartbeat timeout.
    shutdownGraceTime: '30 seconds',
  });
  return { worker, connection };
}

/** The webhook dispatcher of a runtime (the worker process runs one; any number may run side by side). */
export function createWebhookDispatcher(runtime: Runtime, logger = pino({ level: 'info' })): WebhookDispatcher {
  return new WebhookDispatcher({
    prisma: runtime.prisma,
    secrets: runtime.webhookSecrets,
    options: runtime.webhookOptions,
    logger,
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  // The SDK logger at LOG_LEVEL, and its own metrics (task slots, poll latency, activity/workflow outcomes) on their
  // own port when asked for.
  TemporalRuntime.install({
    logger: new DefaultLogger(sdkLogLevel(config.LOG_LEVEL)),
    ...(config.TEMPORAL_METRICS_BIND_ADDRESS
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.TEMPORAL_METRICS_BIND_ADDRESS } } } }
      : {}),
  });
  const runtime = buildRuntime(config);
  const { worker, connection } = await createWorker(runtime, {
    ...temporalConnectionOptions(config),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // A prebuilt bundle (bundleWorkflowCode's code, written to a file) skips seconds of webpack per start.
    ...(process.env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } } : {}),
  });
  const dispatcher = config.WEBHOOK_DISPATCHER
    ? createWebhookDispatcher(runtime, pino({ level: config.LOG_LEVEL }))
    : undefined;
  dispatcher?.start();
  // The readiness line on stdout at every LOG_LEVEL: supervisors and the drills wait for it.
  process.stdout.write(`worker polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS}\n`);
  await worker.run(); // resolves after SIGINT/SIGTERM (the SDK installs the handlers) and a graceful drain
  await dispatcher?.stop();
  await connection.close();
  await runtime.close();
}

/** pino's level names (LOG_LEVEL) as the SDK's. */
function sdkLogLevel(level: string): LogLevel {
  const map: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };
  return map[level] ?? (level === 'fatal' ? 'ERROR' : 'INFO');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
