/**
 * Where the expensive, pure MPC protocol runs execute: secp256k1 key generation and re-sharing
 * (≈ 5 s of synchronous BigInt work each, most of it the range prover).
 *
 * `MpcCompute` is what `MpcSigner` calls. `InThreadCompute` (the default) runs on the calling thread, as
 * before; `ComputePool` (compute-pool.ts) runs the same functions on worker threads so a server's event loop
 * keeps serving requests. Requests and results cross the thread boundary as plain JSON (hex), built here:
 * structured clone cannot carry class instances or curve points.
 */
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { EcdsaP1Share, EcdsaP2Share } from './ecdsa2p.js';
import { MpcError, type MpcErrorId } from './errors.js';
import { PaillierPrivateKey } from './paillier.js';
import { runEcdsaKeyGen, runEcdsaReshare } from './protocol.js';
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
  /** Lindell 2017 key generation between the two parties (`runEcdsaKeyGen`). */
  ecdsaKeyGen(paillier: PaillierPrivateKey): Promise<EcdsaKeyPair>;
  /** Re-sharing of an existing pair under a fresh Paillier key, same public key (`runEcdsaReshare`). */
  ecdsaReshare(p1: EcdsaP1Share, p2: EcdsaP2Share, newPaillier: PaillierPrivateKey): Promise<EcdsaKeyPair>;
  /** Releases threads, if any. Calls made afterwards fail. */
  close(): Promise<void>;
}

/** Runs the protocols on the calling thread (blocks it for the duration). For tests and simple callers. */
export class InThreadCompute implements MpcCompute {
  async ecdsaKeyGen(paillier: PaillierPrivateKey): Promise<EcdsaKeyPair> {
    return runEcdsaKeyGen(paillier);
  }

  async ecdsaReshare(p1: EcdsaP1Share, p2: EcdsaP2Share, newPaillier: PaillierPrivateKey): Promise<EcdsaKeyPair> {
    return runEcdsaReshare(p1, p2, newPaillier);
  }

  async close(): Promise<void> {}
}

// ---- wire format (main thread ↔ worker) -----------------------------------------------------

export type ComputeRequest =
  | { op: 'ecdsaKeyGen'; paillier: { p: string; q: string } }
  | { op: 'ecdsaReshare'; p1: EcdsaP1ShareJson; p2: EcdsaP2ShareJson; paillier: { p: string; q: string } };

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

export type ComputeReply =
  | { id: number; ok: true; result: EcdsaKeyPairJson }
  | { id: number; ok: false; error: ComputeFailure };

const pairToJson = (pair: EcdsaKeyPair): EcdsaKeyPairJson => ({
  p1: ecdsaP1ShareToJson(pair.p1),
  p2: ecdsaP2ShareToJson(pair.p2),
});

export function keyGenRequest(paillier: PaillierPrivateKey): ComputeRequest {
  return { op: 'ecdsaKeyGen', paillier: paillier.toJSON() };
}

export function reshareRequest(p1: EcdsaP1Share, p2: EcdsaP2Share, newPaillier: PaillierPrivateKey): ComputeRequest {
  return { op: 'ecdsaReshare', p1: ecdsaP1ShareToJson(p1), p2: ecdsaP2ShareToJson(p2), paillier: newPaillier.toJSON() };
}

/** Worker side: runs one request. Throws what the protocol throws. */
export function executeComputeRequest(request: ComputeRequest): EcdsaKeyPairJson {
  switch (request.op) {
    case 'ecdsaKeyGen':
      return pairToJson(runEcdsaKeyGen(PaillierPrivateKey.fromJSON(request.paillier)));
    case 'ecdsaReshare':
      return pairToJson(
        runEcdsaReshare(
          ecdsaP1ShareFromJson(request.p1),
          ecdsaP2ShareFromJson(request.p2),
          PaillierPrivateKey.fromJSON(request.paillier),
        ),
      );
    default:
      throw new Error('unknown compute operation');
  }
}

/** A worker's first message, once it listens (the pool sends nothing before: early messages can be lost). */
export const WORKER_READY = 'mpc-compute-worker-ready';

/** Worker side: one message in, one reply out (never throws). */
export function handleComputeMessage(
  msg: { id: number; request: ComputeRequest },
  execute: (request: ComputeRequest) => EcdsaKeyPairJson = executeComputeRequest,
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

function opLabel(op: ComputeOp): string {
  return op === 'ecdsaKeyGen' ? 'secp256k1 key generation' : 'secp256k1 re-sharing';
}
