/**
 * Bridge from the signer's SecretSealer interface to the envelope encryption (AES-256-GCM, a fresh data
 * key per record, wrapped by the master key).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedRecord, SecretSealer } from './dev-signer.js';

function gcmEncrypt(key: Buffer, plaintext: Uint8Array, aad: string) {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv, ciphertext, tag: c.getAuthTag() };
}

function gcmDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ciphertext), d.final()]);
}

export function createSealer(masterKey: Buffer, keyId: string): SecretSealer {
  return {
    async seal(plaintext, aad) {
      const dataKey = randomBytes(32);
      try {
        const body = gcmEncrypt(dataKey, plaintext, aad);
        const wrap = gcmEncrypt(masterKey, dataKey, `wrap|${aad}`);
        return {
          keyId,
          wrappedKey: Buffer.concat([wrap.iv, wrap.tag, wrap.ciphertext]).toString('base64'),
          iv: body.iv.toString('base64'),
          tag: body.tag.toString('base64'),
          ciphertext: body.ciphertext.toString('base64'),
        } satisfies SealedRecord;
      } finally {
        dataKey.fill(0);
      }
    },
    async open(record, aad) {
      if (record.keyId !== keyId) throw new Error(`record sealed with unknown master key ${record.keyId}`);
      const wrapped = Buffer.from(record.wrappedKey, 'base64');
      const dataKey = gcmDecrypt(masterKey, wrapped.subarray(0, 12), wrapped.subarray(28), wrapped.subarray(12, 28), `wrap|${aad}`);
      try {
        return gcmDecrypt(
          dataKey,
          Buffer.from(record.iv, 'base64'),
          Buffer.from(record.ciphertext, 'base64'),
          Buffer.from(record.tag, 'base64'),
          aad,
        );
      } finally {
        dataKey.fill(0);
      }
    },
  };
}
