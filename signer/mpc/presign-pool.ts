/**
 * A per-wallet pool of two-party ECDSA presignatures (completed nonce exchanges with P2's
 * precomputation). `take` hands each id out exactly once; the pool refills itself in the
 * background, one presignature per event-loop turn so request handling can interleave.
 * Production deployments would run `produce` on a worker thread; see docs/mpc.md.
 */
export class PresignaturePool {
  private readonly ready: string[] = [];
  private refilling = false;
  private stopped = false;
  /** Last background failure (message only), for diagnostics. */
  lastError: string | undefined;

  constructor(
    private readonly produce: () => string,
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
      this.ready.push(this.produce());
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  refillInBackground(): void {
    if (this.refilling || this.stopped || this.ready.length >= this.target) return;
    this.refilling = true;
    const step = () => {
      if (this.stopped || this.ready.length >= this.target) {
        this.refilling = false;
        return;
      }
      try {
        this.ready.push(this.produce());
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.refilling = false;
        return;
      }
      setImmediate(step);
    };
    setImmediate(step);
  }

  /** Drops every presignature and stops refilling (share replaced or signer closed). */
  stop(): void {
    this.stopped = true;
    this.ready.length = 0;
  }
}
