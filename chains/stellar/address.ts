/** Stellar account ids: StrKey-encoded ed25519 public keys (`G…`, 56 characters). */
import { StrKey } from '@stellar/stellar-sdk';
import { badRequest } from '../../errors/codes.js';
import { strip0x } from '../../signer/local-key.js';

export function isStellarAddress(address: string): boolean {
  return typeof address === 'string' && StrKey.isValidEd25519PublicKey(address);
}

/** 32-byte ed25519 public key (hex) → `G…` account id. */
export function stellarAddressFromPublicKey(publicKeyHex: string): string {
  const hex = strip0x(publicKeyHex);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw badRequest('a Stellar public key is 32 bytes of hex (ed25519)');
  return StrKey.encodeEd25519PublicKey(Buffer.from(hex, 'hex'));
}

/** `G…` account id → 32-byte public key hex. */
export function publicKeyFromStellarAddress(address: string): string {
  return Buffer.from(StrKey.decodeEd25519PublicKey(address)).toString('hex');
}
