/**
 * Envelope encryption for key shares at rest (AES-256-GCM, node:crypto).
 *
 * Each record gets a fresh 256-bit data key; the data key is wrapped by a master key held by a
 * `KeyProvider` (`LocalMasterKeyProvider` below, `AwsKmsKeyProvider` in key-providers/aws-kms.ts, and a
 * `KeyRing` of them during a rotation). The AAD binds a sealed record to its wallet, curve and party, so a
 * record copied to another row fails to open; providers that can (KMS) also bind the wrapped data key to it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { BaseError } from '../errors/base.js';

export interface KeyProvider {
  /** Identifies the master key (stored with each record, so keys can be rotated). */
  readonly keyId: string;
  /**
   * Wraps a data key; returns an opaque base64 string. `context` is the record's wallet/curve/party: a provider
   * that can bind it (KMS encryption context) must then be given the same context to unwrap.
   */
  wrapKey(dataKey: Uint8Array, context?: EnvelopeContext): Promise<string>;
  /** Unwraps a data key previously wrapped under `keyId` (with the same `context`, where the provider binds it). */
  unwrapKey(wrappedKey: string, keyId: string, context?: EnvelopeContext): Promise<Uint8Array>;
}

/** A sealed record; every field is base64 except keyId. */
export interface SealedRecord {
  keyId: string;
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface EnvelopeContext {
  walletId: string;
  curve: string;
  party: string;
}

export const EnvelopeErrorId = 'envelope_open_failed';

function openFailed(why: string, cause?: unknown): BaseError {
  // Never include the plaintext or key material; `why` names the failed step only.
  return new BaseError(`Sealed record could not be opened: ${why}`, { id: EnvelopeErrorId, kind: 'terminal', cause });
}

const ALG = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALG, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function gcmDecrypt(key: Uint8Array, iv: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad iv or tag length');
  const decipher = createDecipheriv(ALG, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** Parses a 32-byte master key given as 64 hex chars or base64. */
export function parseMasterKey(value: string): Uint8Array {
  const v = value.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (bytes.length !== 32) throw new Error('MASTER_KEY must be 32 bytes (64 hex chars or base64)');
  return new Uint8Array(bytes);
}

/** Master key held in process memory (from env MASTER_KEY). Wrapping = AES-256-GCM with keyId as AAD. */
export class LocalMasterKeyProvider implements KeyProvider {
  readonly keyId: string;
  readonly #key: Uint8Array;

  constructor(masterKey: Uint8Array, keyId?: string) {
    if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
    this.#key = Uint8Array.from(masterKey);
    // Default id: a fingerprint of the key (not reversible), so records name the key they need.
    this.keyId =
      keyId ??
      `local:${createHash('sha256').update('chainflow-master-key-id').update(masterKey).digest('hex').slice(0, 16)}`;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): LocalMasterKeyProvider {
    const value = env.MASTER_KEY;
    if (!value) throw new Error('MASTER_KEY is not set');
    return new LocalMasterKeyProvider(parseMasterKey(value));
  }

  async wrapKey(dataKey: Uint8Array): Promise<string> {
    const { iv, tag, ciphertext } = gcmEncrypt(this.#key, dataKey, Buffer.from(`wrap:${this.keyId}`));
    return Buffer.concat([iv, tag, ciphertext]).toString('base64');
  }

  async unwrapKey(wrappedKey: string, keyId: string): Promise<Uint8Array> {
    if (keyId !== this.keyId) throw new Error(`unknown master key id ${keyId}`);
    const raw = Buffer.from(wrappedKey, 'base64');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    return new Uint8Array(
      gcmDecrypt(this.#key, iv, tag, raw.subarray(IV_BYTES + TAG_BYTES), Buffer.from(`wrap:${keyId}`)),
    );
  }
}

function aadOf(ctx: EnvelopeContext): Buffer {
  return Buffer.from(JSON.stringify(['chainflow-share/v1', ctx.walletId, ctx.curve, ctx.party]));
}

export class Envelope {
  constructor(private readonly provider: KeyProvider) {}

  /** The key id new records are sealed under. */
  get keyId(): string {
    return this.provider.keyId;
  }

  async seal(plaintext: string, ctx: EnvelopeContext): Promise<SealedRecord> {
    const dataKey = randomBytes(32);
    try {
      const { iv, tag, ciphertext } = gcmEncrypt(dataKey, Buffer.from(plaintext, 'utf8'), aadOf(ctx));
      return {
        keyId: this.provider.keyId,
        wrappedKey: await this.provider.wrapKey(dataKey, ctx),
        iv: iv.toString('base64'),
        tag: tag.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  async open(record: SealedRecord, ctx: EnvelopeContext): Promise<string> {
    const dataKey = await this.unwrap(record, ctx);
    try {
      const plain = gcmDecrypt(
        dataKey,
        Buffer.from(record.iv, 'base64'),
        Buffer.from(record.tag, 'base64'),
        Buffer.from(record.ciphertext, 'base64'),
        aadOf(ctx),
      );
      return plain.toString('utf8');
    } catch (err) {
      throw openFailed('authentication failed (tampered record or wrong wallet/curve/party)', err);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Master key rotation: the same record with its data key re-wrapped under the current key (`keyId`), or
   * undefined when it already is. The share's iv, tag and ciphertext are returned unchanged; the data key is
   * first checked against them (GCM authentication with this context), so a wrong or swapped wrapping is never
   * written back under the new key.
   */
  async rewrap(record: SealedRecord, ctx: EnvelopeContext): Promise<SealedRecord | undefined> {
    if (record.keyId === this.provider.keyId) return undefined;
    const dataKey = await this.unwrap(record, ctx);
    try {
      try {
        gcmDecrypt(
          dataKey,
          Buffer.from(record.iv, 'base64'),
          Buffer.from(record.tag, 'base64'),
          Buffer.from(record.ciphertext, 'base64'),
          aadOf(ctx),
        ).fill(0);
      } catch (err) {
        throw openFailed('authentication failed (tampered record or wrong wallet/curve/party)', err);
      }
      const { iv, tag, ciphertext } = record;
      return { keyId: this.provider.keyId, wrappedKey: await this.provider.wrapKey(dataKey, ctx), iv, tag, ciphertext };
    } finally {
      dataKey.fill(0);
    }
  }

  /** `rewrap` for records kept as JSON strings (`sealToString`). */
  async rewrapString(blob: string, ctx: EnvelopeContext): Promise<string | undefined> {
    const record = parseRecord(blob);
    const next = await this.rewrap(record, ctx);
    return next && JSON.stringify(next);
  }

  private async unwrap(record: SealedRecord, ctx: EnvelopeContext): Promise<Uint8Array> {
    try {
      return await this.provider.unwrapKey(record.wrappedKey, record.keyId, ctx);
    } catch (err) {
      throw openFailed('the data key could not be unwrapped', err);
    }
  }

  /** Seal to a JSON string, for stores that keep opaque text blobs. */
  async sealToString(plaintext: string, ctx: EnvelopeContext): Promise<string> {
    return JSON.stringify(await this.seal(plaintext, ctx));
  }

  async openFromString(blob: string, ctx: EnvelopeContext): Promise<string> {
    return this.open(parseRecord(blob), ctx);
  }
}

function parseRecord(blob: string): SealedRecord {
  let record: SealedRecord;
  try {
    record = JSON.parse(blob) as SealedRecord;
  } catch (err) {
    throw openFailed('not a sealed record', err);
  }
  for (const k of ['keyId', 'wrappedKey', 'iv', 'tag', 'ciphertext'] as const)
    if (typeof record?.[k] !== 'string') throw openFailed(`missing field ${k}`);
  return record;
}
