/**
 * Errors raised by the MPC protocols. Messages name the failed check, never a secret value.
 */
import { BaseError } from '../../errors/base.js';

export const MpcErrorId = {
  /** A zero-knowledge proof (Schnorr PoK, Paillier modulus proof, PDL) did not verify. */
  BadProof: 'mpc_bad_proof',
  /** A commitment was opened to a different value than committed. */
  BadCommitment: 'mpc_bad_commitment',
  /** The peer's Paillier modulus is too short or not well formed. */
  BadPaillierKey: 'mpc_bad_paillier_key',
  /** A protocol message is malformed or arrived out of order. */
  BadMessage: 'mpc_bad_message',
  /** A presignature id was already consumed (or never existed). */
  PresignatureUnavailable: 'mpc_presignature_unavailable',
  /** A share belongs to another wallet/curve, or to an older key version (after recovery). */
  ShareMismatch: 'mpc_share_mismatch',
  /**
   * A client share whose public parts (N, c_key, Q, Q1, Q2, key version; FROST: the public package) are not the
   * ones the server recorded for it, or whose numbers are out of bounds: refused before any protocol step.
   */
  ShareInvalid: 'mpc_share_invalid',
} as const;
export type MpcErrorId = (typeof MpcErrorId)[keyof typeof MpcErrorId];

export class MpcError extends BaseError {
  override name = 'MpcError';
  constructor(id: MpcErrorId, message: string, cause?: unknown) {
    super(message, { id, kind: 'terminal', cause });
  }
}

/** Runs `fn`; any non-MpcError thrown inside becomes an MpcError with `id` (noble/codec errors, bad hex …). */
export function guard<T>(id: MpcErrorId, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MpcError) throw err;
    throw new MpcError(id, `${message}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function check(cond: boolean, id: MpcErrorId, message: string): asserts cond {
  if (!cond) throw new MpcError(id, message);
}
