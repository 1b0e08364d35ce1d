import { ed25519 } from '@noble/curves/ed25519.js';
import type { PublicKey } from '@solana/web3.js';

/** True when `signature` is a valid 64-byte ed25519 signature of `message` by `signer`; never throws. */
export function verifiesAs(signature: Uint8Array, message: Uint8Array, signer: PublicKey): boolean {
  try {
    return signature.length === 64 && ed25519.verify(signature, message, signer.toBytes());
  } catch {
    return false;
  }
}
