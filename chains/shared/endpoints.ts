/**
 * Several RPC endpoints for one network, shared by the five families: a health score and a circuit breaker per
 * endpoint, reads that rotate on failure, broadcasts to every healthy endpoint, and a head tracker that keeps a
 * lagging node from answering status checks.
 *
 * What counts as a failure is the family's own classifier: an error it calls `retryable` (unreachable, timeout,
 * 5xx, rate limit) counts against the endpoint and moves on to the next one; any other error is a node's
 * definitive answer (a revert, "nonce too low", a rejected transaction): the endpoint is healthy and the error goes
 * back to the caller as it is, because asking another node the same question must not turn a "no" into a "yes".
 */
import { BaseError, errorText } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';

export interface EndpointPoolOptions {
  /** Network name, for messages. */
  network: string;
  /** The family's one classifier. */
  classify: (err: unknown) => BaseError;
  /** A status answer is trusted only from a node whose head is at most this many blocks behind the best known. */
  maxHeadLag: number;
  /** Consecutive retryable failures that open an endpoint's breaker (default 3). */
  failureThreshold?: number;
  /** How long an open breaker keeps the endpoint out before one trial request (half-open), ms (default 30 s). */
  cooldownMs?: number;
  /** How long a head query may take before that endpoint is left out of one status check, ms (default 5 s). */
  headTimeoutMs?: number;
  now?: () => number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** One endpoint's health, as the pool sees it (for logs and tests; never carries credentials). */
export interface EndpointHealth {
  label: string;
  state: BreakerState;
  /** 0..1, an exponential average of recent outcomes (1 = every recent request answered). */
  score: number;
  consecutiveFailures: number;
  /** The last head this endpoint reported, if any. */
  head?: bigint;
}

export interface PoolEndpoint<C> {
  readonly index: number;
  readonly url: string;
  /** The URL without credentials, path or query (API keys often live there). */
  readonly label: string;
  readonly client: C;
}

interface Health {
  score: number;
  consecutiveFailures: number;
  openedAt?: number;
  head?: bigint;
}

const SCORE_WEIGHT = 0.3;

/** Errors that prove the request never reached the node: a broadcast that met them delivered nothing there. */
const NOT_DELIVERED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|circuit open/i;

/** The URL's scheme and host only. */
export function endpointLabel(url: string, index: number): string {
  try {
    const u = new URL(url);
    return `#${index + 1} ${u.protocol}//${u.host}`;
  } catch {
    return `#${index + 1} <invalid url>`;
  }
}

/** Thrown (retryable) for an endpoint whose breaker is open, so transports that rotate themselves skip it. */
export class CircuitOpenError extends BaseError {
  override name = 'CircuitOpenError';
  constructor(label: string) {
    super(`RPC endpoint ${label}: circuit open after repeated failures`, { id: ErrorId.RpcFailed, kind: 'retryable' });
  }
}

export class EndpointPool<C> {
  readonly endpoints: readonly PoolEndpoint<C>[];
  private readonly health: Health[];
  private readonly classify: (err: unknown) => BaseError;
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly headTimeoutMs: number;
  private readonly now: () => number;
  readonly network: string;
  readonly maxHeadLag: bigint;

  constructor(endpoints: readonly { url: string; client: C }[], options: EndpointPoolOptions) {
    if (endpoints.length === 0) throw new Error(`network ${options.network} has no RPC endpoint`);
    this.endpoints = endpoints.map((e, index) => ({ ...e, index, label: endpointLabel(e.url, index) }));
    this.health = endpoints.map(() => ({ score: 1, consecutiveFailures: 0 }));
    this.network = options.network;
    this.classify = options.classify;
    this.maxHeadLag = BigInt(options.maxHeadLag);
    this.threshold = options.failureThreshold ?? 3;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.headTimeoutMs = options.headTimeoutMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  stateOf(ep: PoolEndpoint<C>): BreakerState {
    const h = this.health[ep.index]!;
    if (h.consecutiveFailures < this.threshold || h.openedAt === undefined) return 'closed';
    return this.now() - h.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a request may go to this endpoint now (closed, or half-open for a trial). */
  admits(ep: PoolEndpoint<C>): boolean {
    return this.stateOf(ep) !== 'open';
  }

  /** Whether `ordered()` would try this endpoint now (for transports that rotate themselves, like viem's). */
  usable(ep: PoolEndpoint<C>): boolean {
    return this.ordered().includes(ep);
  }

  /** The node answered (anything the classifier does not call retryable is an answer). */
  recordSuccess(ep: PoolEndpoint<C>): void {
    const h = this.health[ep.index]!;
    h.consecutiveFailures = 0;
    h.openedAt = undefined;
    h.score = h.score * (1 - SCORE_WEIGHT) + SCORE_WEIGHT;
  }

  recordFailure(ep: PoolEndpoint<C>): void {
    const h = this.health[ep.index]!;
    h.consecutiveFailures++;
    h.score = h.score * (1 - SCORE_WEIGHT);
    // Opens at the threshold; a failed half-open trial opens it again for a full cool-down.
    if (h.consecutiveFailures >= this.threshold) h.openedAt = this.now();
  }

  /** Records the outcome of one request by classifying its error; returns the classified error. */
  recordError(ep: PoolEndpoint<C>, err: unknown): BaseError {
    const classified = this.classify(err);
    if (classified.kind === 'retryable') this.recordFailure(ep);
    else this.recordSuccess(ep);
    return classified;
  }

  /** Notes the head an endpoint reported; the best known head is the highest current one. */
  noteHead(ep: PoolEndpoint<C>, head: bigint): void {
    this.health[ep.index]!.head = head;
  }

  get bestHead(): bigint | undefined {
    let best: bigint | undefined;
    for (const h of this.health) if (h.head !== undefined && (best === undefined || h.head > best)) best = h.head;
    return best;
  }

  snapshot(): EndpointHealth[] {
    return this.endpoints.map((ep) => {
      const h = this.health[ep.index]!;
      return {
        label: ep.label,
        state: this.stateOf(ep),
        score: h.score,
        consecutiveFailures: h.consecutiveFailures,
        ...(h.head !== undefined ? { head: h.head } : {}),
      };
    });
  }

  /**
   * Endpoints to try, best first: closed before half-open, then by score, then in configured order. When every
   * breaker is open, the one opened longest ago is tried anyway, so a network never goes dark on its own verdict.
   */
  ordered(): PoolEndpoint<C>[] {
    const rank = (ep: PoolEndpoint<C>) => (this.stateOf(ep) === 'closed' ? 0 : 1);
    const usable = this.endpoints
      .filter((ep) => this.admits(ep))
      .sort(
        (a, b) => rank(a) - rank(b) || this.health[b.index]!.score - this.health[a.index]!.score || a.index - b.index,
      );
    if (usable.length > 0) return usable;
    const oldest = [...this.endpoints].sort(
      (a, b) => (this.health[a.index]!.openedAt ?? 0) - (this.health[b.index]!.openedAt ?? 0),
    )[0]!;
    return [oldest];
  }

  /**
   * Runs `fn` on the best endpoint; on a retryable failure, on the next one. A definitive answer (any error the
   * classifier does not call retryable) is thrown at once, unchanged. When every endpoint failed, the last
   * endpoint's error is thrown, unchanged (the adapter classifies it).
   */
  async read<T>(fn: (client: C, endpoint: PoolEndpoint<C>) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const ep of this.ordered()) {
      try {
        const out = await fn(ep.client, ep);
        this.recordSuccess(ep);
        return out;
      } catch (err) {
        if (this.recordError(ep, err).kind !== 'retryable') throw err;
        last = err;
      }
    }
    throw last;
  }

  /**
   * Sends the same signed bytes through every usable endpoint at once. Success when any endpoint accepted (or,
   * with `alreadyDone`, said it already had them). Otherwise:
   * - every endpoint that may have received the bytes refused them definitively → that refusal (terminal);
   * - some endpoint's outcome is unknown (timeout, reset, 5xx: it may have relayed them) → a retryable error,
   *   because a refusal from one node proves nothing about bytes another node may be relaying.
   * Endpoints that provably never received the request (connection refused, breaker open) do not count.
   */
  async broadcastAll<T>(
    fn: (client: C, endpoint: PoolEndpoint<C>) => Promise<T>,
    options: { alreadyDone?: (err: BaseError) => T } = {},
  ): Promise<T> {
    const targets = this.ordered();
    const outcomes = await Promise.allSettled(targets.map((ep) => fn(ep.client, ep)));
    const refusals: BaseError[] = [];
    const unclear: BaseError[] = [];
    const undelivered: BaseError[] = [];
    let done: BaseError | undefined;
    for (const [i, outcome] of outcomes.entries()) {
      const ep = targets[i]!;
      if (outcome.status === 'fulfilled') {
        this.recordSuccess(ep);
        continue;
      }
      const classified = this.recordError(ep, outcome.reason);
      if (classified.kind === 'already_done') done ??= classified;
      else if (classified.kind === 'terminal') refusals.push(classified);
      else if (NOT_DELIVERED.test(errorText(outcome.reason))) undelivered.push(classified);
      else unclear.push(classified);
    }
    const accepted = outcomes.find((o): o is PromiseFulfilledResult<Awaited<T>> => o.status === 'fulfilled');
    if (accepted) return accepted.value;
    if (done && options.alreadyDone) return options.alreadyDone(done);
    if (done) throw done;
    if (unclear.length > 0 && refusals.length > 0) {
      throw new BaseError(
        `broadcast on ${this.network}: ${refusals.length} endpoint(s) refused, ${unclear.length} did not answer clearly`,
        {
          id: ErrorId.RpcFailed,
          kind: 'retryable',
          details: [...refusals, ...unclear].map((e) => `${e.id}: ${e.shortMessage}`).join('; '),
          cause: unclear[0],
        },
      );
    }
    throw refusals[0] ?? unclear[0] ?? undelivered[0]!;
  }

  /**
   * A read that must come from a node at the network's head (status checks: a lagging node must never prove a
   * transaction dead, nor hide an included one). Asks every usable endpoint for its head, raises the best known
   * head, then runs `fn` on the best-scored endpoint within `maxHeadLag` of it, rotating on retryable failures.
   * When no endpoint is fresh enough the check throws a retryable error: it never answers from a lagging view.
   * With a single endpoint there is nothing to compare: it is a plain read.
   */
  async fresh<T>(
    headOf: (client: C) => Promise<bigint | number>,
    fn: (client: C, endpoint: PoolEndpoint<C>) => Promise<T>,
  ): Promise<T> {
    if (this.endpoints.length === 1) return this.read(fn);
    const candidates = this.ordered();
    const heads = await Promise.allSettled(candidates.map((ep) => this.headWithin(ep, headOf)));
    const reachable: PoolEndpoint<C>[] = [];
    let last: unknown;
    for (const [i, outcome] of heads.entries()) {
      const ep = candidates[i]!;
      if (outcome.status === 'fulfilled') {
        this.noteHead(ep, outcome.value);
        this.recordSuccess(ep);
        reachable.push(ep);
      } else {
        this.recordError(ep, outcome.reason);
        last = outcome.reason;
      }
    }
    if (reachable.length === 0) throw last;
    const best = this.bestHead!;
    const fresh = reachable.filter((ep) => best - this.health[ep.index]!.head! <= this.maxHeadLag);
    for (const ep of reachable) if (!fresh.includes(ep)) this.health[ep.index]!.score *= 1 - SCORE_WEIGHT;
    for (const ep of fresh) {
      try {
        return await fn(ep.client, ep);
      } catch (err) {
        if (this.recordError(ep, err).kind !== 'retryable') throw err;
        last = err;
      }
    }
    if (fresh.length > 0) throw last;
    throw new BaseError(
      `no RPC endpoint of ${this.network} is within ${this.maxHeadLag} blocks of the best known head ${best}`,
      { id: ErrorId.RpcFailed, kind: 'retryable', details: this.describeHeads() },
    );
  }

  private describeHeads(): string {
    return this.snapshot()
      .map((h) => `${h.label}: head ${h.head ?? '?'} (${h.state})`)
      .join('; ');
  }

  private async headWithin(ep: PoolEndpoint<C>, headOf: (client: C) => Promise<bigint | number>): Promise<bigint> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BaseError(`RPC endpoint ${ep.label}: head query timed out after ${this.headTimeoutMs} ms`, {
              id: ErrorId.RpcFailed,
              kind: 'retryable',
            }),
          ),
        this.headTimeoutMs,
      );
    });
    try {
      return BigInt(await Promise.race([headOf(ep.client), timeout]));
    } finally {
      clearTimeout(timer);
    }
  }
}
