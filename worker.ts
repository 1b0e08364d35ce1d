/**
 * The Temporal worker: runs transfer workflows and their activities.
 *   npm run worker           (WORKER_ROLE=all: workflows, I/O and signing activities in one process)
 *   npm run worker:signing   (WORKER_ROLE=signing: only the signing queue, the fleet that opens shares)
 * env: see README "Configuration".
 */
import { fileURLToPath } from 'node:url';
import {
  DefaultLogger,
  type LogLevel,
  NativeConnection,
  Runtime as TemporalRuntime,
  Worker,
  type WorkerOptions,
  type WorkerTuner,
} from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from './activities/index.js';
import { loadConfig, signingTaskQueueOf } from './config/env.js';
import { buildRuntime, type Runtime } from './runtime/deps.js';
import { type TemporalConnectionOptions, temporalConnectionOptions } from './temporal/connection.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/** Which queues a worker process polls (config WORKER_ROLE). */
export type WorkerRole = 'all' | 'transfers' | 'signing';

/** The activities that open shares and run MPC rounds: only the signing fleet registers them. */
export const SIGNING_ACTIVITIES = ['prepareAttempt', 'sign'] as const;

/** The worker(s) of one process, run and shut down together. */
export interface WorkerGroup {
  readonly workers: Worker[];
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorker(
  runtime: Runtime,
  opts: TemporalConnectionOptions & {
    namespace: string;
    taskQueue: string;
    /** Default: `<taskQueue>-signing` (config TEMPORAL_SIGNING_TASK_QUEUE). */
    signingTaskQueue?: string;
    role?: WorkerRole;
    /** Concurrent signing activities (config SIGNING_WORKER_SLOTS). */
    signingSlots?: number;
    /** Worker Versioning: this build of the deployment (config WORKER_DEPLOYMENT_NAME, WORKER_BUILD_ID). */
    deployment?: { name: string; buildId: string };
    /** Activity slots of the transfers worker (config WORKER_ACTIVITY_TUNER). */
    activityTuner?: 'fixed' | 'resource-based';
  } & Partial<Pick<WorkerOptions, 'workflowBundle' | 'maxConcurrentActivityTaskExecutions'>>,
): Promise<{ worker: WorkerGroup; connection: NativeConnection }> {
  const { address, tls, apiKey } = opts;
  const role = opts.role ?? 'all';
  const connection = await NativeConnection.connect({
    address,
    ...(tls ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
  });
  const all = createActivities({ prisma: runtime.prisma, chains: runtime.chains, signer: runtime.signer });
  const signingOnly = Object.fromEntries(SIGNING_ACTIVITIES.map((name) => [name, all[name]]));
  const withoutSigning = Object.fromEntries(
    Object.entries(all).filter(([name]) => !(SIGNING_ACTIVITIES as readonly string[]).includes(name)),
  );
  const common = {
    connection,
    namespace: opts.namespace,
    dataConverter: runtime.dataConverter,
    // On SIGTERM, running activities get this long to finish (above the signing/broadcast p99 of a few seconds);
    // what is still running after it is retried elsewhere after its heartbeat timeout.
    shutdownGraceTime: '30 seconds',
    // A transfer stays on the build that started it (Pinned): a deploy never replays a running history on new code;
    // the transfer's activities, on either queue, go to that build's workers too.
    ...(opts.deployment
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true as const,
            version: { deploymentName: opts.deployment.name, buildId: opts.deployment.buildId },
            defaultVersioningBehavior: 'PINNED' as const,
          },
        }
      : {}),
  } satisfies Partial<WorkerOptions>;
  const workers: Worker[] = [];
  if (role !== 'signing') {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: opts.taskQueue,
        ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
        // `all` also signs here for transfers started before the signing queue existed (no signingTaskQueue).
        activities: role === 'all' ? all : withoutSigning,
        ...(opts.activityTuner === 'resource-based'
          ? { tuner: ioTuner() }
          : { maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100 }),
      }),
    );
  }
  if (role !== 'transfers') {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: opts.signingTaskQueue ?? `${opts.taskQueue}-signing`,
        activities: signingOnly,
        // Slots bounded by the compute threads: a burst of signatures queues in Temporal, not on this event loop.
        maxConcurrentActivityTaskExecutions: opts.signingSlots ?? 2,
      }),
    );
  }
  return {
    connection,
    worker: {
      workers,
      run: async () => {
        await Promise.all(workers.map((w) => w.run()));
      },
      shutdown: () => {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      },
    },
  };
}

/**
 * I/O activities (chain reads, broadcasts, status checks, database writes) mostly wait: Temporal's resource-based
 * tuner hands out slots while the host has CPU and memory to spare, instead of a fixed count sized for the worst case.
 * Workflow tasks keep the SDK's fixed defaults.
 */
function ioTuner(): WorkerTuner {
  return {
    workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 40 },
    activityTaskSlotSupplier: {
      type: 'resource-based',
      minimumSlots: 4,
      maximumSlots: 500,
      rampThrottle: '20 ms',
      tunerOptions: { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 },
    },
    localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
    nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
  };
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
  // A transfers-only worker never signs: it needs no co-signer credentials and refuses any signing round.
  const runtime = buildRuntime(config, { signs: config.WORKER_ROLE !== 'transfers' });
  const { worker, connection } = await createWorker(runtime, {
    ...temporalConnectionOptions(config),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    signingTaskQueue: signingTaskQueueOf(config),
    role: config.WORKER_ROLE,
    signingSlots: config.SIGNING_WORKER_SLOTS ?? 2 * config.MPC_COMPUTE_THREADS,
    activityTuner: config.WORKER_ACTIVITY_TUNER,
    ...(config.WORKER_DEPLOYMENT_NAME && config.WORKER_BUILD_ID
      ? { deployment: { name: config.WORKER_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID } }
      : {}),
    // A prebuilt bundle (bundleWorkflowCode's code, written to a file) skips seconds of webpack per start.
    ...(process.env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } } : {}),
  });
  // The signing fleet only signs: webhook delivery runs with the transfers workers.
  const dispatcher =
    config.WEBHOOK_DISPATCHER && config.WORKER_ROLE !== 'signing'
      ? createWebhookDispatcher(runtime, pino({ level: config.LOG_LEVEL }))
      : undefined;
  dispatcher?.start();
  // The readiness line on stdout at every LOG_LEVEL: supervisors and the drills wait for it.
  const queues = [
    ...(config.WORKER_ROLE !== 'signing' ? [config.TEMPORAL_TASK_QUEUE] : []),
    ...(config.WORKER_ROLE !== 'transfers' ? [signingTaskQueueOf(config)] : []),
  ];
  process.stdout.write(
    `worker polling task queue${queues.length > 1 ? 's' : ''} ${queues.map((q) => `"${q}"`).join(', ')} on ${config.TEMPORAL_ADDRESS} (role ${config.WORKER_ROLE})\n`,
  );
  await worker.run(); // resolves after SIGINT/SIGTERM (the SDK installs the handlers) and a graceful drain
  await dispatcher?.stop();
  await connection.close();
  await runtime.close();
}

/** pino's level names (LOG_LEVEL) as the SDK's. */
function sdkLogLevel(level: string): LogLevel {
  const map: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };
  return map[level] ?? (level === 'fatal' || level === 'silent' ? 'ERROR' : 'INFO');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
