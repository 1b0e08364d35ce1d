/**
 * A small `worker_threads` pool for the expensive MPC protocol runs (`MpcCompute`): secp256k1 key
 * generation and re-sharing, and the background precomputation of range-proof commitments, run on worker
 * threads, so the calling thread's event loop (the API) keeps serving requests during the seconds they take.
 *
 * - Workers are started lazily (a process that never creates keys starts none) and kept for reuse; each
 *   runs one request at a time, further calls queue. Idle workers are unref'd (they never keep a process alive).
 * - A worker that crashes or exits fails the call it was running with a `signing_failed` BaseError and is
 *   dropped; the next call starts a replacement. A worker that cannot start fails the calls waiting for it.
 *   A protocol error in the worker arrives as the same `MpcError` id and message; any other error only by its
 *   class name (it might quote an input).
 * - `close()` terminates every worker and fails queued calls.
 */
import { Worker } from 'node:worker_threads';
import {
  type ComputeReply,
  type ComputeRequest,
  type ComputeResult,
  computeFailed,
  type EcdsaKeyPair,
  type EcdsaKeyPairJson,
  errorFromFailure,
  importPresignature,
  keyGenRequest,
  type MpcCompute,
  type PresignatureJson,
  pairFromJson,
  preparedFromJson,
  prepareRequest,
  presignRequest,
  reshareRequest,
  WORKER_READY,
} from './compute.js';
import type { EcdsaP1, EcdsaP1Share, EcdsaP2, EcdsaP2Share, PaillierKeyInput, PreparedPaillierKey } from './ecdsa2p.js';
import type { PaillierPrivateKey } from './paillier.js';
import type { RangeCommitmentsJson } from './range-proof.js';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
const DEFAULT_ENTRY = new URL('./compute-worker.ts', import.meta.url);

export interface ComputePoolOptions {
  /** Worker threads (default 1: one keygen at a time leaves the other core to the event loop on 2-core hosts). */
  size?: number;
  /** Worker entry module (a .ts file URL). Tests substitute a faulty one; production keeps the default. */
  entry?: URL;
}

interface Job {
  id: number;
  request: ComputeRequest;
  background: boolean;
  resolve: (result: ComputeResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  /** Set by the worker's first message: its listener is installed (messages posted before that can be lost). */
  ready: boolean;
  /** Crashed or terminating: takes no further job. */
  dead: boolean;
}

export class ComputePool implements MpcCompute {
  readonly size: number;
  private readonly entry: URL;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ComputePoolOptions = {}) {
    const size = options.size ?? 1;
    if (!Number.isSafeInteger(size) || size < 1) throw new Error('ComputePool size must be a positive integer');
    this.size = size;
    this.entry = options.entry ?? DEFAULT_ENTRY;
  }

  /** Workers currently started (for tests and metrics). */
  get threads(): number {
    return this.slots.size;
  }

  async ecdsaKeyGen(paillier: PaillierKeyInput): Promise<EcdsaKeyPair> {
    return pairFromJson('ecdsaKeyGen', (await this.run(keyGenRequest(paillier))) as EcdsaKeyPairJson);
  }

  async ecdsaReshare(p1: EcdsaP1Share, p2: EcdsaP2Share, newPaillier: PaillierKeyInput): Promise<EcdsaKeyPair> {
    return pairFromJson('ecdsaReshare', (await this.run(reshareRequest(p1, p2, newPaillier))) as EcdsaKeyPairJson);
  }

  /** Background work: queued behind key generation and re-sharing calls. */
  async prepareEcdsaPaillierKey(key: PaillierPrivateKey): Promise<PreparedPaillierKey> {
    return preparedFromJson(key, (await this.run(prepareRequest(key), 'background')) as RangeCommitmentsJson);
  }

  /** Background work, like the precomputation: the two halves are imported into `p1`/`p2` here. */
  async ecdsaPresign(p1: EcdsaP1, p2: EcdsaP2): Promise<string> {
    return importPresignature(p1, p2, (await this.run(presignRequest(p1, p2), 'background')) as PresignatureJson);
  }

  /**
   * Runs one serialised request on a worker. `background` requests wait behind every `request`-priority one
   * (a pool refill must not delay a wallet creation).
   */
  run(request: ComputeRequest, priority: 'request' | 'background' = 'request'): Promise<ComputeResult> {
    if (this.closed) return Promise.reject(computeFailed(request.op, 'the compute pool is closed'));
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, request, background: priority === 'background', resolve, reject };
      const at = job.background ? -1 : this.queue.findIndex((j) => j.background);
      if (at < 0) this.queue.push(job);
      else this.queue.splice(at, 0, job);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(computeFailed(job.request.op, 'the compute pool is closed'));
    const slots = [...this.slots];
    for (const slot of slots) {
      slot.dead = true;
      this.fail(slot, 'the compute pool was closed during the call');
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const slot = this.idleSlot();
      if (!slot) {
        const starting = [...this.slots].filter((s) => !s.ready && !s.dead).length;
        if (this.slots.size < this.size && starting < this.queue.length) this.spawn(); // dispatches when ready
        return;
      }
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, request: job.request });
    }
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (slot.ready && !slot.job && !slot.dead) return slot;
    return undefined;
  }

  private spawn(): void {
    const worker = new Worker(BOOTSTRAP, { workerData: { entry: this.entry.href } });
    const slot: Slot = { worker, job: undefined, ready: false, dead: false };
    this.slots.add(slot);
    worker.on('message', (reply: ComputeReply | typeof WORKER_READY) => {
      if (reply === WORKER_READY) {
        slot.ready = true;
        if (!slot.job) worker.unref();
        this.dispatch();
        return;
      }
      const job = slot.job;
      if (!job || reply?.id !== job.id) return;
      slot.job = undefined;
      worker.unref();
      if (reply.ok) job.resolve(reply.result);
      else job.reject(errorFromFailure(job.request.op, reply.error));
      this.dispatch();
    });
    // An uncaught exception in the worker ('error', followed by 'exit') or the worker ending: fail its call.
    // The error object is not passed on (it could quote inputs).
    worker.on('error', () => {
      slot.dead = true;
      this.fail(slot, 'the compute worker crashed');
    });
    worker.on('exit', (code) => {
      this.fail(slot, `the compute worker exited (code ${code})`);
      this.slots.delete(slot);
      if (!slot.ready) {
        // It never got as far as listening (entry failed to load): fail the waiting calls instead of respawning
        // in a loop; the next call tries a new worker.
        for (const job of this.queue.splice(0))
          job.reject(computeFailed(job.request.op, 'the compute worker could not start'));
        return;
      }
      this.dispatch(); // queued calls get a replacement worker
    });
  }

  private fail(slot: Slot, why: string): void {
    const job = slot.job;
    if (!job) return;
    slot.job = undefined;
    job.reject(computeFailed(job.request.op, why));
  }
}
