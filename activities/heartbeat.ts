import { Context } from '@temporalio/activity';

/** How often a long activity tells Temporal it is alive; the presets' heartbeatTimeout is a few of these. */
export const HEARTBEAT_EVERY_MS = 2_000;

/**
 * Runs `fn` while heartbeating, so a worker that dies (SIGKILL, OOM, a lost host) is noticed after the
 * heartbeatTimeout and the activity retried elsewhere, instead of after its whole startToCloseTimeout.
 * Outside an activity (a test calling the function directly) it just runs `fn`.
 */
export function heartbeating<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    let context: Context;
    try {
      context = Context.current();
    } catch {
      return fn(...args);
    }
    context.heartbeat();
    const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
