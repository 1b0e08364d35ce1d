/** Solana addresses: base58 of a 32-byte ed25519 public key. */

import { hexToBytes } from '@noble/hashes/utils.js';
import { PublicKey } from '@solana/web3.js';
import { strip0x } from '../../signer/local-key.js';
import { base58Decode, base58Encode } from '../shared/base58.js';

/**
 * Any 32-byte base58 key. Off-curve keys (program-derived addresses) are valid SOL recipients; for token transfers
 * preflight refuses an off-curve owner unless it is itself a token account of the mint.
 */
export function validateSolanaAddress(address: string): boolean {
  if (typeof address !== 'string' || address.length < 32 || address.length > 44) return false;
  try {
    return base58Decode(address).length === 32;
  } catch {
    return false;
  }
}

/** Whether the key is a point on ed25519 (a wallet that can sign), not a program-derived address. */
export function isOnCurve(address: string): boolean {
  return PublicKey.isOnCurve(new PublicKey(address).toBytes());
}

export function solanaAddressFromPublicKey(publicKeyHex: string): string {
  const bytes = hexToBytes(strip0x(publicKeyHex));
  if (bytes.length !== 32) throw new Error('an ed25519 public key is 32 bytes');
  return base58Encode(bytes);
}
