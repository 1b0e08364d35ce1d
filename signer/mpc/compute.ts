/**
 * Where the expensive, pure MPC protocol runs execute: secp256k1 key generation and re-sharing
 * (≈ 5 s of synchronous BigInt work each, most of it the range prover), and the precomputation of a
 * fresh Paillier key's range-proof commitments (which takes most of that off the request path).
 *
 * `MpcCompute` is what `MpcSigner` calls. `InThreadCompute` (the default) runs on the calling thread, as
 * before; `ComputePool` (compute-pool.ts) runs the same functions on worker threads so a server's event loop
 * keeps serving requests. Requests and results cross the thread boundary as plain JSON (hex), built here:
 * structured clone cannot carry class instances or curve points.
 */
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import {
  EcdsaP1,
  type EcdsaP1Share,
  EcdsaP2,
  type EcdsaP2Share,
  type P1PresignatureJson,
  type P2PresignatureJson,
  type PaillierKeyInput,
  type PreparedPaillierKey,
  paillierKeyOf,
  prepareEcdsaPaillierKey,
} from './ecdsa2p.js';
import { MpcError, type MpcErrorId } from './errors.js';
import { PaillierPrivateKey } from './paillier.js';
import { runEcdsaKeyGen, runEcdsaPresign, runEcdsaReshare } from './protocol.js';
import { RangeCommitments, type RangeCommitmentsJson } from './range-proof.js';
import {
  type EcdsaP1ShareJson,
  type EcdsaP2ShareJson,
  ecdsaP1ShareFromJson,
  ecdsaP1ShareToJson,
  ecdsaP2ShareFromJson,
  ecdsaP2ShareToJson,
} from './share-codec.js';

export interface EcdsaKeyPair {
  p1: EcdsaP1Share;
  p2: EcdsaP2Share;
}

export interface MpcCompute {
  /**
   * Lindell 2017 key generation between the two parties (`runEcdsaKeyGen`). A `PreparedPaillierKey`'s
   * range-proof commitments are consumed by the call (whatever its outcome).
   */
  ecdsaKeyGen(paillier: PaillierKeyInput): Promise<EcdsaKeyPair>;
  /** Re-sharing of an existing pair under a fresh Paillier key, same public key (`runEcdsaReshare`). */
  ecdsaReshare(p1: EcdsaP1Share, p2: EcdsaP2Share, newPaillier: PaillierKeyInput): Promise<EcdsaKeyPair>;
  /** Computes the commitments of the key's one future range proof (the prover's bulk: 2·128 encryptions). */
  prepareEcdsaPaillierKey(key: PaillierPrivateKey): Promise<PreparedPaillierKey>;
  /**
   * One presignature (nonce exchange + P2's precomputation, `runEcdsaPresign`) for the two party objects: when
   * the promise resolves, both hold their half under the returned session id, each usable once.
   */
  ecdsaPresign(p1: EcdsaP1, p2: EcdsaP2): Promise<string>;
  /** Releases threads, if any. Calls made afterwards fail. */
  close(): Promise<void>;
}

/** Runs the protocols on the calling thread (blocks it for the duration). For tests and simple callers. */
export class InThreadCompute implements MpcCompute {
  async ecdsaKeyGen(paillier: PaillierKeyInput): Promise<EcdsaKeyPair> {
    return runEcdsaKeyGen(paillier);
  }

  async ecdsaReshare(p1: EcdsaP1Share, p2: EcdsaP2Share, newPaillier: PaillierKeyInput): Promise<EcdsaKeyPair> {
    return runEcdsaReshare(p1, p2, newPaillier);
  }

  async prepareEcdsaPaillierKey(key: PaillierPrivateKey): Promise<PreparedPaillierKey> {
    return prepareEcdsaPaillierKey(key);
  }

  async ecdsaPresign(p1: EcdsaP1, p2: EcdsaP2): Promise<string> {
    return runEcdsaPresign(p1, p2);
  }

  async close(): Promise<void> {}
}

// ---- wire format (main thread ↔ worker) -----------------------------------------------------

interface PaillierJson {
  p: string;
  q: string;
  /** Precomputed range-proof commitments, moved (spent on the sending side). */
  rangeCommitments?: RangeCommitmentsJson;
}

export type ComputeRequest =
  | { op: 'ecdsaKeyGen'; paillier: PaillierJson }
  | { op: 'ecdsaReshare'; p1: EcdsaP1ShareJson; p2: EcdsaP2ShareJson; paillier: PaillierJson }
  | { op: 'prepareRangeCommitments'; paillier: PaillierJson }
  | { op: 'ecdsaPresign'; p1: EcdsaP1ShareJson; p2: EcdsaP2ShareJson };

/** Both halves of one presignature, moved out of the worker's party objects. */
export interface PresignatureJson {
  p1: P1PresignatureJson;
  p2: P2PresignatureJson;
}

export type ComputeOp = ComputeRequest['op'];

export interface EcdsaKeyPairJson {
  p1: EcdsaP1ShareJson;
  p2: EcdsaP2ShareJson;
}

/**
 * What a failed call sends back. Only an `MpcError`'s id and message cross (those messages name the failed
 * check by design); of any other error only its class name does, since its message might quote an input.
 */
export interface ComputeFailure {
  name: string;
  mpcId?: MpcErrorId;
  message?: string;
}

export type ComputeResult = EcdsaKeyPairJson | RangeCommitmentsJson | PresignatureJson;

export type ComputeReply =
  | { id: number; ok: true; result: ComputeResult }
  | { id: number; ok: false; error: ComputeFailure };

const pairToJson = (pair: EcdsaKeyPair): EcdsaKeyPairJson => ({
  p1: ecdsaP1ShareToJson(pair.p1),
  p2: ecdsaP2ShareToJson(pair.p2),
});

/** Serialises a key for the worker; a prepared key's commitments are moved (this side's copy is spent). */
function paillierToJson(input: PaillierKeyInput): PaillierJson {
  const json: PaillierJson = paillierKeyOf(input).toJSON();
  if ('rangeCommitments' in input) json.rangeCommitments = input.rangeCommitments.move();
  return json;
}

function paillierFromJson(v: PaillierJson): PaillierKeyInput {
  const key = PaillierPrivateKey.fromJSON(v);
  return v.rangeCommitments ? { key, rangeCommitments: RangeCommitments.fromJson(v.rangeCommitments) } : key;
}

export function keyGenRequest(paillier: PaillierKeyInput): ComputeRequest {
  return { op: 'ecdsaKeyGen', paillier: paillierToJson(paillier) };
}

export function reshareRequest(p1: EcdsaP1Share, p2: EcdsaP2Share, newPaillier: PaillierKeyInput): ComputeRequest {
  return {
    op: 'ecdsaReshare',
    p1: ecdsaP1ShareToJson(p1),
    p2: ecdsaP2ShareToJson(p2),
    paillier: paillierToJson(newPaillier),
  };
}

export function presignRequest(p1: EcdsaP1, p2: EcdsaP2): ComputeRequest {
  return { op: 'ecdsaPresign', p1: ecdsaP1ShareToJson(p1.share), p2: ecdsaP2ShareToJson(p2.share) };
}

/** Main-thread side: hands both halves to the party objects (either both or neither keeps it). */
export function importPresignature(p1: EcdsaP1, p2: EcdsaP2, v: PresignatureJson): string {
  if (v?.p1?.sessionId !== v?.p2?.sessionId) throw computeFailed('ecdsaPresign', 'mismatched presignature halves');
  p1.importPresignature(v.p1);
  try {
    p2.importPresignature(v.p2);
  } catch (err) {
    p1.exportPresignature(v.p1.sessionId); // drop the half that was taken over
    throw err;
  }
  return v.p1.sessionId;
}

export function prepareRequest(key: PaillierPrivateKey): ComputeRequest {
  return { op: 'prepareRangeCommitments', paillier: key.toJSON() };
}

/** Worker side: runs one request. Throws what the protocol throws. */
export function executeComputeRequest(request: ComputeRequest): ComputeResult {
  switch (request.op) {
    case 'ecdsaKeyGen':
      return pairToJson(runEcdsaKeyGen(paillierFromJson(request.paillier)));
    case 'ecdsaReshare':
      return pairToJson(
        runEcdsaReshare(
          ecdsaP1ShareFromJson(request.p1),
          ecdsaP2ShareFromJson(request.p2),
          paillierFromJson(request.paillier),
        ),
      );
    case 'prepareRangeCommitments':
      return prepareEcdsaPaillierKey(PaillierPrivateKey.fromJSON(request.paillier)).rangeCommitments.move();
    case 'ecdsaPresign': {
      const p1 = new EcdsaP1(ecdsaP1ShareFromJson(request.p1));
      const p2 = new EcdsaP2(ecdsaP2ShareFromJson(request.p2));
      const sessionId = runEcdsaPresign(p1, p2);
      return { p1: p1.exportPresignature(sessionId), p2: p2.exportPresignature(sessionId) };
    }
    default:
      throw new Error('unknown compute operation');
  }
}

/** Main-thread side: the prepared key from a `prepareRangeCommitments` result. */
export function preparedFromJson(key: PaillierPrivateKey, v: RangeCommitmentsJson): PreparedPaillierKey {
  let rangeCommitments: RangeCommitments;
  try {
    rangeCommitments = RangeCommitments.fromJson(v);
  } catch {
    throw computeFailed('prepareRangeCommitments', 'the compute worker returned a malformed result');
  }
  if (rangeCommitments.n !== key.n) throw computeFailed('prepareRangeCommitments', 'commitments for another key');
  return { key, rangeCommitments };
}

/** A worker's first message, once it listens (the pool sends nothing before: early messages can be lost). */
export const WORKER_READY = 'mpc-compute-worker-ready';

/** Worker side: one message in, one reply out (never throws). */
export function handleComputeMessage(
  msg: { id: number; request: ComputeRequest },
  execute: (request: ComputeRequest) => ComputeResult = executeComputeRequest,
): ComputeReply {
  try {
    return { id: msg.id, ok: true, result: execute(msg.request) };
  } catch (err) {
    return { id: msg.id, ok: false, error: computeFailure(err) };
  }
}

export function computeFailure(err: unknown): ComputeFailure {
  if (err instanceof MpcError) return { name: 'MpcError', mpcId: err.id as MpcErrorId, message: err.shortMessage };
  return { name: err instanceof Error ? err.constructor.name : typeof err };
}

export function computeFailed(op: ComputeOp, what: string): BaseError {
  return new BaseError(`MPC ${opLabel(op)} failed: ${what}`, { id: ErrorId.SigningFailed, kind: 'terminal' });
}

/** Main-thread side: the error a failed call rejects with (never carries share material). */
export function errorFromFailure(op: ComputeOp, failure: ComputeFailure): BaseError {
  if (failure.mpcId && typeof failure.message === 'string') return new MpcError(failure.mpcId, failure.message);
  return computeFailed(op, `${failure.name} in the compute worker`);
}

/** Main-thread side: decodes (and validates: points on the curve, both parties agree on Q) a result. */
export function pairFromJson(op: ComputeOp, v: EcdsaKeyPairJson): EcdsaKeyPair {
  let pair: EcdsaKeyPair;
  try {
    pair = { p1: ecdsaP1ShareFromJson(v.p1), p2: ecdsaP2ShareFromJson(v.p2) };
  } catch {
    throw computeFailed(op, 'the compute worker returned a malformed result');
  }
  if (!pair.p1.Q.equals(pair.p2.Q)) throw computeFailed(op, 'the parties returned different public keys');
  return pair;
}

const OP_LABELS: Record<ComputeOp, string> = {
  ecdsaKeyGen: 'secp256k1 key generation',
  ecdsaReshare: 'secp256k1 re-sharing',
  prepareRangeCommitments: 'range-proof precomputation',
  ecdsaPresign: 'secp256k1 presignature generation',
};

function opLabel(op: ComputeOp): string {
  return OP_LABELS[op];
}
