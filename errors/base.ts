/**
 * One error type for the whole product (modelled on viem's BaseError).
 *
 * - `id` is the stable, documented error code clients branch on (`insufficient_funds`, `bad_to`, …).
 * - `kind` says what a caller should do: `retryable` (try again later, same content), `terminal`
 *   (will never succeed as is), `already_done` (the effect already happened: treat as success).
 * - `shortMessage` is safe to show to API clients; `details` is for operators; `cause` keeps the chain.
 *
 * At the activity boundary it becomes an ApplicationFailure (`type = id`, `nonRetryable` unless retryable);
 * at the HTTP boundary it becomes `{ id, message }` with a status from `api/errors.ts`.
 */
export type ErrorKind = 'retryable' | 'terminal' | 'already_done';

export interface BaseErrorOptions {
  id: string;
  kind?: ErrorKind;
  details?: string;
  cause?: unknown;
  /** Extra structured facts (never secrets). */
  meta?: Record<string, unknown>;
}

export class BaseError extends Error {
  override name = 'BaseError';
  readonly id: string;
  readonly kind: ErrorKind;
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly meta: Record<string, unknown> | undefined;

  constructor(shortMessage: string, options: BaseErrorOptions) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.id = options.id;
    this.kind = options.kind ?? 'terminal';
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.meta = options.meta;
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }

  /** Follows the cause chain; returns the first error matching `fn`, or the deepest one. */
  walk(fn?: (err: unknown) => boolean): unknown {
    return walk(this, fn);
  }
}

export function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
  if (fn?.(err)) return err;
  if (err && typeof err === 'object' && 'cause' in err && err.cause !== undefined) return walk(err.cause, fn);
  return fn ? null : err;
}

export function isBaseError(err: unknown): err is BaseError {
  return err instanceof BaseError;
}

/** The message of an unknown thrown value, including nested causes, for classification by text. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 8; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      const details = (cur as { details?: unknown }).details;
      if (typeof details === 'string') parts.push(details);
      cur = cur.cause;
    } else {
      parts.push(typeof cur === 'string' ? cur : safeJson(cur));
      break;
    }
  }
  return parts.join(' | ');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
