/**
 * Domain-separated hashing for Fiat-Shamir challenges and hash commitments.
 * Every part is length-prefixed, so different tuples can never hash alike.
 */
import { randomBytes } from 'node:crypto';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { bytesToBig, mod } from './bigint.js';
import { MpcError, MpcErrorId } from './errors.js';

export type HashPart = Uint8Array | bigint | number | string;

function encodePart(p: HashPart): Uint8Array {
  let body: Uint8Array;
  if (typeof p === 'string') body = utf8ToBytes(`s:${p}`);
  else if (typeof p === 'bigint' || typeof p === 'number') body = utf8ToBytes(`i:${p.toString(16)}`);
  else body = concatBytes(utf8ToBytes('b:'), p);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, body.length);
  return concatBytes(len, body);
}

export function hashParts(domain: string, ...parts: HashPart[]): Uint8Array {
  return sha256(concatBytes(encodePart(`chainflow-mpc/${domain}`), ...parts.map(encodePart)));
}

/** Hash to an integer mod `m` with 256 extra bits (statistically uniform). */
export function hashToInt(m: bigint, domain: string, ...parts: HashPart[]): bigint {
  const need = Math.ceil((m.toString(2).length + 256) / 512);
  const blocks: Uint8Array[] = [];
  const seed = hashParts(domain, ...parts);
  for (let i = 0; i < need; i++) blocks.push(sha512(concatBytes(seed, Uint8Array.of(i))));
  return mod(bytesToBig(concatBytes(...blocks)), m);
}

export interface Opening {
  /** 32-byte random blinding factor, hex. */
  blind: string;
}

/** Hash commitment H(domain, blind, parts…); hiding thanks to the 256-bit blind. */
export function commit(domain: string, ...parts: HashPart[]): { commitment: string; blind: string } {
  const blind = bytesToHex(randomBytes(32));
  return { commitment: bytesToHex(hashParts(`commit/${domain}`, blind, ...parts)), blind };
}

export function verifyOpening(commitment: string, blind: string, domain: string, ...parts: HashPart[]): void {
  if (typeof commitment !== 'string' || typeof blind !== 'string')
    throw new MpcError(MpcErrorId.BadCommitment, `${domain}: commitment opening is malformed`);
  const expected = bytesToHex(hashParts(`commit/${domain}`, blind, ...parts));
  if (expected !== commitment)
    throw new MpcError(MpcErrorId.BadCommitment, `${domain}: commitment opening does not match`);
}
