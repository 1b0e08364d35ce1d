import proto from '@temporalio/proto';
import { Router } from 'express';
import type { AppDeps } from '../context.js';

// @temporalio/proto is CommonJS: named ESM imports fail under plain Node.
const { temporal } = proto;

/** GET /health: 200 once the database, Temporal and at least one worker polling our task queue are reachable. */
export function healthRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/health', async (_req, res) => {
    const checks = await Promise.all([
      check('database', async () => {
        await deps.prisma.$queryRaw`SELECT 1`;
      }),
      check('temporal', async () => {
        await deps.temporal.workflowService.getSystemInfo({});
      }),
      check('worker', async () => {
        const d = await deps.temporal.workflowService.describeTaskQueue({
          namespace: deps.config.TEMPORAL_NAMESPACE,
          taskQueue: { name: deps.config.TEMPORAL_TASK_QUEUE },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        if (!d.pollers?.length) throw new Error('no worker is polling the task queue');
      }),
    ]);
    const ok = checks.every((c) => c.ok);
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'degraded', checks: Object.fromEntries(checks.map((c) => [c.name, c])) });
  });
  return r;
}

async function check(name: string, fn: () => Promise<void>): Promise<{ name: string; ok: boolean; error?: string }> {
  try {
    await withTimeout(fn(), 3000);
    return { name, ok: true };
  } catch (err) {
    return { name, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);
}
