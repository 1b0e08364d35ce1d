/**
 * Tron addresses: 21 bytes (0x41 prefix + last 20 bytes of keccak256(uncompressed pubkey without 0x04)),
 * shown as base58check (`T...`, 34 chars) and sent to the node as hex (`41...`) when `visible` is false.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base58Decode, base58Encode } from '../shared/base58.js';

const ADDRESS_PREFIX = 0x41;

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload)).slice(0, 4);
}

/** 21 address bytes → `T...`. */
export function encodeTronAddress(bytes: Uint8Array): string {
  const full = new Uint8Array(bytes.length + 4);
  full.set(bytes);
  full.set(checksum(bytes), bytes.length);
  return base58Encode(full);
}

/** `T...` → 21 bytes, or null when it is not a valid mainnet-format Tron address. */
export function decodeTronAddress(address: string): Uint8Array | null {
  if (typeof address !== 'string' || address.length !== 34) return null;
  let raw: Uint8Array;
  try {
    raw = base58Decode(address);
  } catch {
    return null;
  }
  if (raw.length !== 25) return null;
  const body = raw.slice(0, 21);
  const sum = checksum(body);
  if (body[0] !== ADDRESS_PREFIX || sum.some((b, i) => b !== raw[21 + i])) return null;
  return body;
}

export function validateTronAddress(address: string): boolean {
  return decodeTronAddress(address) !== null;
}

/** `T...` → `41...` hex (the node's non-visible form). Throws on an invalid address. */
export function tronAddressToHex(address: string): string {
  const bytes = decodeTronAddress(address);
  if (!bytes) throw new Error(`not a Tron address: ${JSON.stringify(address)}`);
  return bytesToHex(bytes);
}

/** `41...` hex (or `0x41...`) → `T...`. */
export function tronAddressFromHex(hex: string): string {
  const clean = hex.replace(/^0x/i, '').toLowerCase();
  if (!/^41[0-9a-f]{40}$/.test(clean)) throw new Error(`not a Tron hex address: ${JSON.stringify(hex)}`);
  return encodeTronAddress(hexToBytes(clean));
}

/** Compressed (33 bytes) or uncompressed (65 bytes) secp256k1 public key hex → `T...`. */
export function tronAddressFromPublicKey(publicKeyHex: string): string {
  const point = secp256k1.Point.fromHex(publicKeyHex.replace(/^0x/i, ''));
  const uncompressed = point.toBytes(false);
  const hash = keccak_256(uncompressed.slice(1));
  const bytes = new Uint8Array(21);
  bytes[0] = ADDRESS_PREFIX;
  bytes.set(hash.slice(12), 1);
  return encodeTronAddress(bytes);
}
