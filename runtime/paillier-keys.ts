/**
 * Source of fresh 2048-bit Paillier keys for the MPC signer (P1's key, one per secp256k1 key
 * generation or recovery). Generating one takes 1.5–10 s, so a small pool is refilled in the
 * background (primes are searched on worker threads by paillier-bigint). The pool is lazy: it starts
 * filling after the first key is taken, so processes that never create keys (the worker) spend no CPU.
 * Every key is handed out once.
 *
 * With `prepare`, each pooled key also gets the commitments of its one future range proof, computed in the
 * background (on the signer's compute pool thread): a pooled item is "key + one-time commitments", removed
 * from the pool when taken and spent by the proof. A key generated on demand (pool empty) comes bare: the
 * proof then computes its commitments inline, which costs the same as preparing them first.
 */
import type { PaillierKeyInput, PreparedPaillierKey } from '../signer/mpc/ecdsa2p.js';
import { PaillierPrivateKey } from '../signer/mpc/paillier.js';

export type PaillierKeySource = () => Promise<PaillierKeyInput>;

export class PaillierKeyPool {
  private readonly ready: PaillierKeyInput[] = [];
  private generating = 0;
  private stopped = false;

  constructor(
    readonly size = 2,
    private readonly generate: () => Promise<PaillierPrivateKey> = () => PaillierPrivateKey.generate(),
    private readonly prepare?: (key: PaillierPrivateKey) => Promise<PreparedPaillierKey>,
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
        .then(async (key) => {
          // A key whose precomputation failed is still a good key (the proof computes its commitments then).
          const item: PaillierKeyInput = this.prepare && !this.stopped ? await this.prepare(key).catch(() => key) : key;
          if (!this.stopped) this.ready.push(item);
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
