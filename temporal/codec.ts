/**
 * Encrypts every Temporal payload (workflow inputs, activity inputs/results, update results, failures' details)
 * with AES-256-GCM before it leaves the process, so workflow history holds ciphertext only.
 * The key id travels in the payload metadata so keys can be rotated: old ids stay decryptable.
 *
 * Decoding is strict: a payload that is not ours (plaintext, another key, tampered) is refused, so a client that
 * reaches Temporal without the key cannot hand the worker inputs. The SDK never runs headers or search attributes
 * through codecs (the only payloads Temporal itself must read); memo and user metadata go through it both ways.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: named ESM imports fail under plain Node.
const { temporal } = proto;

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

export interface CodecKey {
  id: string;
  key: Buffer;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly current: CodecKey,
    previous: CodecKey[] = [],
  ) {
    if (current.key.length !== 32) throw new Error('payload codec key must be 32 bytes');
    this.keys = new Map([...previous, current].map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.current.id) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString();
      if (encoding !== ENCODING) throw new PayloadRefusedError(`an unencrypted payload (${encoding.slice(0, 40)})`);
      const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.keys.get(keyId);
      if (!key) throw new PayloadRefusedError(`a payload sealed with an unknown key id ${keyId.slice(0, 40)}`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < 12 + 16) throw new PayloadRefusedError('a truncated payload');
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        decipher.setAuthTag(data.subarray(data.length - 16));
        plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      } catch {
        throw new PayloadRefusedError(`a payload that does not authenticate under key id ${keyId}`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** Thrown for a payload this service did not encrypt; the worker then fails the task and never runs it. */
export class PayloadRefusedError extends Error {
  constructor(what: string) {
    super(`payload codec refused ${what}: only payloads encrypted with this service's codec key are accepted`);
    this.name = 'PayloadRefusedError';
  }
}

/** 32 bytes from 64 hex chars or base64. */
export function parseKey(material: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(material) ? Buffer.from(material, 'hex') : Buffer.from(material, 'base64');
  if (key.length !== 32) throw new Error('key must be 32 bytes (64 hex characters or base64)');
  return key;
}

/** The codec key: PAYLOAD_CODEC_KEY, else derived from MASTER_KEY with HKDF (domain-separated from key wrapping). */
export function codecKeyFrom(env: { PAYLOAD_CODEC_KEY?: string; MASTER_KEY?: string }): CodecKey {
  if (env.PAYLOAD_CODEC_KEY) {
    const key = parseKey(env.PAYLOAD_CODEC_KEY);
    return { id: keyId(key), key };
  }
  if (!env.MASTER_KEY) throw new Error('MASTER_KEY (or PAYLOAD_CODEC_KEY) is required');
  const key = Buffer.from(
    hkdfSync('sha256', parseKey(env.MASTER_KEY), Buffer.alloc(0), 'chainflow/temporal-payload-codec/v1', 32),
  );
  return { id: keyId(key), key };
}

/** A non-secret key id: first 8 bytes of SHA-256 of the key. */
function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
