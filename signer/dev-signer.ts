/**
 * Dev signer: one ordinary private key per wallet and curve, sealed at rest with the envelope
 * (AES-256-GCM, data key per record). For local development and the spine; production wallets use the
 * 2-of-2 MPC signer, which implements the same Signer interface.
 */
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { Curve, Signature } from '../chains/types.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey, verifySignature } from './local-key.js';
import type { CreatedKey, SignRequest, Signer } from './types.js';

export interface SealedRecord {
  keyId: string;
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/** Seals/opens secrets; `aad` binds a record to its owner so records cannot be swapped. */
export interface SecretSealer {
  seal(plaintext: Uint8Array, aad: string): Promise<SealedRecord>;
  open(record: SealedRecord, aad: string): Promise<Uint8Array>;
}

/** Where sealed key records live (Prisma's KeyShare table in production). */
export interface SealedKeyStore {
  put(walletId: string, curve: Curve, party: string, record: SealedRecord, publicKey: string): Promise<void>;
  get(walletId: string, curve: Curve, party: string): Promise<{ record: SealedRecord; publicKey: string } | undefined>;
}

const PARTY = 'dev';
const aadFor = (walletId: string, curve: Curve) => `wallet:${walletId}|curve:${curve}|party:${PARTY}`;

export class DevSigner implements Signer {
  constructor(
    private readonly sealer: SecretSealer,
    private readonly store: SealedKeyStore,
  ) {}

  async createKey(walletId: string, curve: Curve): Promise<CreatedKey> {
    const sk = generatePrivateKey(curve);
    const publicKey = publicKeyOf(curve, sk);
    const record = await this.sealer.seal(Buffer.from(sk, 'hex'), aadFor(walletId, curve));
    await this.store.put(walletId, curve, PARTY, record, publicKey);
    return { curve, publicKey };
  }

  async sign(request: SignRequest): Promise<Signature> {
    const found = await this.store.get(request.walletId, request.curve, PARTY);
    if (!found) throw new BaseError(`no ${request.curve} key for wallet`, { id: ErrorId.WalletNotFound, kind: 'terminal' });
    const sk = await this.sealer.open(found.record, aadFor(request.walletId, request.curve));
    try {
      const sig = signWithPrivateKey(request.curve, Buffer.from(sk).toString('hex'), request.payload);
      if (!verifySignature(request.curve, found.publicKey, request.payload, sig)) {
        throw new BaseError('signature does not verify against the wallet key', { id: ErrorId.SigningFailed, kind: 'terminal' });
      }
      return sig;
    } finally {
      sk.fill(0);
    }
  }
}
