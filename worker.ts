/**
 * The Temporal worker: runs transfer workflows and their activities.
 *   npm run worker   (env: see README "Configuration")
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime as TemporalRuntime, Worker, type WorkerOptions } from '@temporalio/worker';
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
  // The SDK's own metrics (task slots, poll latency, activity/workflow outcomes) on their own port, when asked for.
  if (config.TEMPORAL_METRICS_BIND_ADDRESS)
    TemporalRuntime.install({
      telemetryOptions: { metrics: { prometheus: { bindAddress: config.TEMPORAL_METRICS_BIND_ADDRESS } } },
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
  console.log(`worker polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS}`);
  await worker.run(); // resolves after SIGINT/SIGTERM (the SDK installs the handlers) and a graceful drain
  await dispatcher?.stop();
  await connection.close();
  await runtime.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
