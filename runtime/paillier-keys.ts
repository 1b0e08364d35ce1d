/**
 * Source of fresh 2048-bit Paillier keys for the MPC signer (P1's key, one per secp256k1 key
 * generation or recovery). Generating one takes 1.5–10 s, so a small pool is refilled in the
 * background (primes are searched on worker threads by paillier-bigint). The pool is lazy: it starts
 * filling after the first key is taken, so processes that never create keys (the worker) spend no CPU.
 * Every key is handed out once.
 */
import { PaillierPrivateKey } from '../signer/mpc/paillier.js';

export type PaillierKeySource = () => Promise<PaillierPrivateKey>;

export class PaillierKeyPool {
  private readonly ready: PaillierPrivateKey[] = [];
  private generating = 0;
  private stopped = false;

  constructor(
    readonly size = 2,
    private readonly generate: () => Promise<PaillierPrivateKey> = () => PaillierPrivateKey.generate(),
  ) {}

  /** A key nobody else received: from the pool when one is ready, else generated now. */
  readonly take: PaillierKeySource = async () => {
    const key = this.ready.shift();
    this.refill();
    return key ?? this.generate();
  };

  get available(): number {
    return this.ready.length;
  }

  private refill(): void {
    while (!this.stopped && this.ready.length + this.generating < this.size) {
      this.generating++;
      this.generate()
        .then((key) => {
          if (!this.stopped) this.ready.push(key);
        })
        .catch(() => {}) // the next take generates on demand
        .finally(() => {
          this.generating--;
        });
    }
  }

  stop(): void {
    this.stopped = true;
    this.ready.length = 0;
  }
}
