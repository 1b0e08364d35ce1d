/** Retry policy: which responses are retried, when, and when an endpoint is disabled. No I/O. */

export interface AttemptResult {
  statusCode?: number;
  /** Network error, timeout, refused URL. */
  error?: string;
  retryAfterMs?: number;
  durationMs: number;
}

/** delivered: 2xx · retry: timeout, network error, 408, 429, 5xx, 3xx (redirects are not followed) · final: other 4xx · gone: 410. */
export type Outcome = 'delivered' | 'retry' | 'final' | 'gone';

export function classifyAttempt(r: AttemptResult): Outcome {
  const code = r.statusCode;
  if (code === undefined) return 'retry';
  if (code >= 200 && code < 300) return 'delivered';
  if (code === 410) return 'gone';
  if (code === 408 || code === 429 || code >= 500 || (code >= 300 && code < 400)) return 'retry';
  return 'final';
}

/** Parses "5s", "5m", "2h", "250ms" or plain milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Math.round(Number(m[1]) * unit);
}

/** "0,5s,5m,…": the delay before each attempt; its length is the number of attempts. */
export function parseSchedule(text: string): number[] {
  const delays = text.split(',').map(parseDuration);
  if (delays.length === 0) throw new Error('the retry schedule needs at least one attempt');
  return delays;
}

/** `Retry-After` as seconds or an HTTP date; capped so a consumer cannot park an event for longer than a day. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const cap = 24 * 3_600_000;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()) * 1000, cap);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), cap);
}

/** Delay before the next attempt after `attemptsMade` failed ones, or undefined when the schedule is used up. */
export function nextDelay(schedule: number[], attemptsMade: number, retryAfterMs?: number): number | undefined {
  const planned = schedule[attemptsMade];
  if (planned === undefined) return undefined;
  return Math.max(planned, retryAfterMs ?? 0);
}
