/**
 * Single-key signing with @noble/curves. Used by the dev signer and by tests that need a key holder;
 * the MPC signer produces exactly the same Signature shape.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Curve, Signature } from '../chains/types.js';

export function strip0x(hex: string): string {
  return hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
}

export function generatePrivateKey(curve: Curve): string {
  return bytesToHex(curve === 'secp256k1' ? secp256k1.utils.randomSecretKey() : ed25519.utils.randomSecretKey());
}

/** secp256k1: compressed 33-byte key; ed25519: 32-byte key (hex, no 0x). */
export function publicKeyOf(curve: Curve, privateKeyHex: string): string {
  const sk = hexToBytes(strip0x(privateKeyHex));
  return bytesToHex(curve === 'secp256k1' ? secp256k1.getPublicKey(sk, true) : ed25519.getPublicKey(sk));
}

/** secp256k1: signs the 32-byte digest as is (no pre-hash), low-s, with recovery id. ed25519: signs the message. */
export function signWithPrivateKey(curve: Curve, privateKeyHex: string, payloadHex: string): Signature {
  const sk = hexToBytes(strip0x(privateKeyHex));
  const msg = hexToBytes(strip0x(payloadHex));
  if (curve === 'ed25519') return { curve, signature: bytesToHex(ed25519.sign(msg, sk)) };
  if (msg.length !== 32) throw new Error('secp256k1 payload must be a 32-byte digest');
  const rec = secp256k1.sign(msg, sk, { prehash: false, format: 'recovered', lowS: true });
  return { curve, signature: bytesToHex(rec.slice(1)), recovery: rec[0]! };
}

/** Verifies a signature against a public key (compressed/uncompressed secp256k1, or ed25519). */
export function verifySignature(curve: Curve, publicKeyHex: string, payloadHex: string, sig: Signature): boolean {
  const pk = hexToBytes(strip0x(publicKeyHex));
  const msg = hexToBytes(strip0x(payloadHex));
  const s = hexToBytes(strip0x(sig.signature));
  try {
    if (curve === 'ed25519') return ed25519.verify(s, msg, pk);
    return secp256k1.verify(s, msg, pk, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}
