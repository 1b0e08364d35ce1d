/**
 * secp256k1 group helpers and the Schnorr proof of knowledge of a discrete log (Fiat-Shamir),
 * used by two-party ECDSA for Q1, Q2, R1, R2 and re-sharing.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { mod, randNonZeroBelow } from './bigint.js';
import { MpcError, MpcErrorId } from './errors.js';
import { hashToInt } from './hash.js';

export const Point = secp256k1.Point;
export type Point = InstanceType<typeof secp256k1.Point>;
/** Group order q. */
export const q: bigint = secp256k1.Point.Fn.ORDER;
export const G: Point = Point.BASE;

export function randomScalar(): bigint {
  return randNonZeroBelow(q);
}

export function pointToHex(p: Point): string {
  return bytesToHex(p.toBytes(true));
}

/** Parses a compressed point from an untrusted message (rejects off-curve and identity). */
export function pointFromHex(hex: unknown, what: string): Point {
  try {
    if (typeof hex !== 'string') throw new Error('not a string');
    const p = Point.fromBytes(hexToBytes(hex));
    p.assertValidity();
    if (p.is0()) throw new Error('identity');
    return p;
  } catch {
    throw new MpcError(MpcErrorId.BadMessage, `${what}: not a valid secp256k1 point`);
  }
}

export interface DlogProof {
  /** Commitment T = k·G (compressed hex). */
  t: string;
  /** Response z = k + e·x mod q (hex). */
  z: string;
}

function challenge(context: string, X: Point, T: Point): bigint {
  return hashToInt(q, 'secp256k1/dlog-pok', context, X.toBytes(true), T.toBytes(true));
}

/** Proves knowledge of x with X = x·G. `context` binds the proof to a session and role (no replay). */
export function proveDlog(x: bigint, X: Point, context: string): DlogProof {
  const k = randomScalar();
  const T = G.multiply(k);
  const e = challenge(context, X, T);
  return { t: pointToHex(T), z: mod(k + e * x, q).toString(16) };
}

export function verifyDlog(X: Point, proof: DlogProof | undefined, context: string, what: string): void {
  try {
    if (!proof || typeof proof.z !== 'string' || !/^[0-9a-f]{1,64}$/i.test(proof.z)) throw new Error('malformed');
    const T = pointFromHex(proof.t, what);
    const z = BigInt(`0x${proof.z}`);
    if (z >= q) throw new Error('z out of range');
    const e = challenge(context, X, T);
    // Public values only: variable-time multiplication is fine here.
    if (!G.multiplyUnsafe(z).equals(T.add(X.multiplyUnsafe(e)))) throw new Error('equation');
  } catch {
    throw new MpcError(MpcErrorId.BadProof, `${what}: proof of knowledge of the discrete log does not verify`);
  }
}
