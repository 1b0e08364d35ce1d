/**
 * Which of a task queue's pollers are alive. Temporal keeps a poller listed for about 5 minutes after its last
 * poll, so a dead worker still shows up; a live one opens a new long poll at least every ~60 s (the server's
 * long-poll timeout), so a poller last seen longer ago than that is gone.
 */
export const POLLER_FRESH_MS = 75_000;

interface Timestamp {
  seconds?: { toNumber(): number } | number | null;
  nanos?: number | null;
}

export interface PollerInfo {
  identity?: string | null;
  lastAccessTime?: Timestamp | null;
}

function millis(t: Timestamp | null | undefined): number | undefined {
  if (!t || t.seconds === undefined || t.seconds === null) return undefined;
  const seconds = typeof t.seconds === 'number' ? t.seconds : t.seconds.toNumber();
  return seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** The pollers that polled within `maxAgeMs` of `now` (one with no access time is not counted). */
export function freshPollers<P extends PollerInfo>(
  pollers: P[] | null | undefined,
  now: number,
  maxAgeMs = POLLER_FRESH_MS,
): P[] {
  return (pollers ?? []).filter((p) => {
    const at = millis(p.lastAccessTime);
    return at !== undefined && now - at <= maxAgeMs;
  });
}
