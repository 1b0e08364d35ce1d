/**
 * A per-wallet pool of two-party ECDSA presignatures (completed nonce exchanges with P2's
 * precomputation). `take` hands each id out exactly once; the pool refills itself in the
 * background, one presignature at a time. `produce` is `MpcCompute.ecdsaPresign`: on the calling thread
 * (one per event-loop turn, so request handling can interleave) or on the compute pool's worker thread.
 */
export class PresignaturePool {
  private readonly ready: string[] = [];
  private refilling = false;
  private stopped = false;
  /** Production is serialised, so a background refill and a `fill` running together never overshoot. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Last background failure (message only), for diagnostics. */
  lastError: string | undefined;

  constructor(
    private readonly produce: () => Promise<string>,
    readonly target: number,
  ) {}

  get size(): number {
    return this.ready.length;
  }

  /** Removes and returns one presignature id, or undefined when the pool is empty. */
  take(): string | undefined {
    const id = this.ready.shift();
    this.refillInBackground();
    return id;
  }

  /** Fills up to `count` (default: target) presignatures, yielding to the event loop between each. */
  async fill(count: number = this.target): Promise<void> {
    while (!this.stopped && this.ready.length < count) {
      await this.addOne(count);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Produces one presignature if fewer than `upTo` are ready (checked after the previous production ends). */
  private addOne(upTo: number): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.stopped || this.ready.length >= upTo) return;
      const id = await this.produce();
      if (!this.stopped) this.ready.push(id);
    });
    this.chain = run.catch(() => {});
    return run;
  }

  refillInBackground(): void {
    if (this.refilling || this.stopped || this.ready.length >= this.target) return;
    this.refilling = true;
    const step = async () => {
      while (!this.stopped && this.ready.length < this.target) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.addOne(this.target);
      }
    };
    step()
      .catch((err) => {
        this.lastError = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        this.refilling = false;
      });
  }

  /** Drops every ready presignature (the other party lost its halves) and refills. */
  clear(): void {
    this.ready.length = 0;
    this.refillInBackground();
  }

  /** Drops every presignature and stops refilling (share replaced or signer closed). */
  stop(): void {
    this.stopped = true;
    this.ready.length = 0;
  }
}
