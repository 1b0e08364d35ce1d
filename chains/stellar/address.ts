/**
 * Stellar account ids: StrKey-encoded ed25519 public keys (`G…`, 56 characters), and muxed accounts (`M…`,
 * SEP-23: a `G…` account plus a 64-bit id, 69 characters) as payment destinations. A payment to `M…` credits its
 * base `G…` account; the id travels in the operation, on chain, for the receiver to attribute the deposit.
 */
import { MuxedAccount, StrKey } from '@stellar/stellar-sdk';
import { badRequest } from '../../errors/codes.js';
import { strip0x } from '../../signer/local-key.js';

export function isStellarAddress(address: string): boolean {
  return typeof address === 'string' && StrKey.isValidEd25519PublicKey(address);
}

export function isMuxedAddress(address: string): boolean {
  return typeof address === 'string' && StrKey.isValidMed25519PublicKey(address);
}

/** A `G…` or `M…` destination. */
export function isStellarDestination(address: string): boolean {
  return isStellarAddress(address) || isMuxedAddress(address);
}

/** The `G…` account a destination credits: itself, or a muxed address's base account. */
export function baseAccountOf(address: string): string {
  return isMuxedAddress(address) ? MuxedAccount.fromAddress(address, '0').baseAccount().accountId() : address;
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
