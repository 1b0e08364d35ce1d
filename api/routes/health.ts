import proto from '@temporalio/proto';
import { Router } from 'express';
import { signingTaskQueueOf } from '../../config/env.js';
import { freshPollers } from '../../temporal/pollers.js';
import { bearerToken, serverKeyResolver } from '../auth.js';
import type { AppDeps } from '../context.js';

// @temporalio/proto is CommonJS: named ESM imports fail under plain Node.
const { temporal } = proto;

/** Why a component is down, as a fixed word: raw error text (hosts, ports, driver messages) is only logged. */
type DownReason = 'timeout' | 'unreachable' | 'no_worker';

interface Check {
  name: string;
  ok: boolean;
  ms: number;
  reason?: DownReason;
}

/**
 * GET /health: 200 once the database, Temporal, at least one worker polling our task queue and one polling the
 * signing queue are reachable.
 * Without credentials it answers only up/down per component; with a server API key it adds each check's latency and
 * a fixed reason word when a component is down. It never echoes an error's text.
 */
export function healthRoutes(deps: AppDeps): Router {
  const r = Router();
  const resolveServerKey = serverKeyResolver(deps.prisma);
  r.get('/health', async (req, res) => {
    const checks = await Promise.all([
      check('database', async () => {
        await deps.prisma.$queryRaw`SELECT 1`;
      }),
      check('temporal', async () => {
        await deps.temporal.workflowService.getSystemInfo({});
      }),
      check('worker', () =>
        pollersOf(deps.config.TEMPORAL_TASK_QUEUE, temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
      ),
      check('signing', () =>
        pollersOf(signingTaskQueueOf(deps.config), temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
      ),
    ]);
    for (const c of checks) if (!c.ok) req.log?.warn({ component: c.name, reason: c.reason }, 'health check failed');
    const ok = checks.every((c) => c.ok);
    const detailed = await isServerKey(req.header('authorization'));
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      checks: Object.fromEntries(checks.map((c) => [c.name, detailed ? c : { name: c.name, ok: c.ok }])),
    });
  });

  /** At least one worker polls `queue`. Temporal lists a dead worker for minutes: only a recent poller counts. */
  async function pollersOf(queue: string, taskQueueType: proto.temporal.api.enums.v1.TaskQueueType): Promise<void> {
    const d = await deps.temporal.workflowService.describeTaskQueue({
      namespace: deps.config.TEMPORAL_NAMESPACE,
      taskQueue: { name: queue },
      taskQueueType,
    });
    if (freshPollers(d.pollers, Date.now()).length === 0) throw new NoWorker();
  }

  async function isServerKey(header: string | undefined): Promise<boolean> {
    const token = bearerToken(header);
    if (!token) return false;
    try {
      return (await resolveServerKey(token))?.kind === 'server';
    } catch {
      return false; // the database may be the component that is down
    }
  }
  return r;
}

class NoWorker extends Error {}
class TimedOut extends Error {}

async function check(name: string, fn: () => Promise<void>): Promise<Check> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    await withTimeout(fn(), 3000);
    return { name, ok: true, ms: ms() };
  } catch (err) {
    const reason: DownReason =
      err instanceof NoWorker ? 'no_worker' : err instanceof TimedOut ? 'timeout' : 'unreachable';
    return { name, ok: false, ms: ms(), reason };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new TimedOut()), ms).unref())]);
}
