/**
 * The signing boundary. Workflows and chain adapters only ever see this interface;
 * the dev signer and the 2-of-2 MPC signer both implement it.
 *
 * Keys are addressed by wallet id + curve. Secret material never crosses this interface in clear:
 * a client-held share (Portal style) is passed as a `shareRef`, an id into an encrypted short-lived vault.
 */
import type { Curve, Signature } from '../chains/types.js';

export interface CreatedKey {
  curve: Curve;
  /** secp256k1: compressed 33-byte public key hex; ed25519: 32-byte public key hex. */
  publicKey: string;
}

export interface SignRequest {
  walletId: string;
  curve: Curve;
  /** secp256k1: 32-byte digest hex; ed25519: message hex. */
  payload: string;
  /** Reference to a client share held in the encrypted vault, for client-held MPC wallets. */
  shareRef?: string;
}

export interface Signer {
  /** Creates (or for MPC: runs distributed key generation for) a key of `curve` for a wallet. */
  createKey(walletId: string, curve: Curve): Promise<CreatedKey>;
  /** Signs and verifies the signature against the wallet public key before returning it. */
  sign(request: SignRequest): Promise<Signature>;
}
