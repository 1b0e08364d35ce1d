import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { codecKeyFrom, EncryptionCodec, PayloadRefusedError } from './codec.js';

const key = () => ({ id: randomBytes(8).toString('hex'), key: randomBytes(32) });
const plain = (v: unknown): Payload => defaultPayloadConverter.toPayload(v)!;

describe('EncryptionCodec', () => {
  it('round-trips its own payloads and keeps decoding with a previous key after rotation', async () => {
    const old = key();
    const [sealed] = await new EncryptionCodec(old).encode([plain({ to: '0xabc' })]);
    expect(Buffer.from(sealed!.metadata![METADATA_ENCODING_KEY]!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.data!).includes(Buffer.from('0xabc'))).toBe(false);
    const rotated = new EncryptionCodec(key(), [old]);
    const [back] = await rotated.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ to: '0xabc' });
  });

  it('refuses payloads that are not its own: plaintext, another key, a forged key id, tampered, truncated', async () => {
    const ours = key();
    const codec = new EncryptionCodec(ours);
    const [other] = await new EncryptionCodec(key()).encode([plain('x')]);
    const [forged] = await new EncryptionCodec({ id: ours.id, key: randomBytes(32) }).encode([plain('x')]);
    const [good] = await codec.encode([plain('x')]);
    const tampered = { ...good!, data: Buffer.from(good!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    const truncated = { ...good!, data: Buffer.from(good!.data!).subarray(0, 10) };
    const cases: [Payload, RegExp][] = [
      [plain({ walletId: 'w' }), /unencrypted payload \(json\/plain\)/],
      [plain(undefined), /unencrypted payload \(binary\/null\)/],
      [{ metadata: {}, data: Buffer.from('x') }, /unencrypted payload/],
      [other!, /unknown key id/],
      [forged!, /does not authenticate/],
      [tampered, /does not authenticate/],
      [truncated, /truncated/],
    ];
    for (const [payload, message] of cases) {
      const err = await codec.decode([payload]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PayloadRefusedError);
      expect((err as Error).message).toMatch(message);
    }
    // One bad payload among good ones refuses the whole list.
    await expect(codec.decode([good!, plain('x')])).rejects.toBeInstanceOf(PayloadRefusedError);
  });

  it('derives its key from MASTER_KEY with a stable id, or takes PAYLOAD_CODEC_KEY', () => {
    const master = randomBytes(32).toString('hex');
    expect(codecKeyFrom({ MASTER_KEY: master })).toEqual(codecKeyFrom({ MASTER_KEY: master }));
    const own = randomBytes(32);
    expect(codecKeyFrom({ PAYLOAD_CODEC_KEY: own.toString('base64'), MASTER_KEY: master }).key).toEqual(own);
  });
});
