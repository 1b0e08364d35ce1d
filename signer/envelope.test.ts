import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Envelope, LocalMasterKeyProvider, parseMasterKey, type SealedRecord } from './envelope.js';

const ctx = { walletId: 'w1', curve: 'secp256k1', party: 'server' };

function flipB64(s: string): string {
  const b = Buffer.from(s, 'base64');
  b[0] = (b[0] ?? 0) ^ 1;
  return b.toString('base64');
}

async function expectOpenFails(env: Envelope, rec: SealedRecord, c = ctx) {
  await expect(env.open(rec, c)).rejects.toMatchObject({ id: 'envelope_open_failed' });
}

describe('envelope encryption', () => {
  const master = randomBytes(32);
  const env = new Envelope(new LocalMasterKeyProvider(master));

  it('round-trips, with a fresh data key and iv per record and no plaintext in the record', async () => {
    const a = await env.seal('{"x1":"secret-share"}', ctx);
    const b = await env.seal('{"x1":"secret-share"}', ctx);
    expect(await env.open(a, ctx)).toBe('{"x1":"secret-share"}');
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.iv).not.toBe(b.iv);
    expect(JSON.stringify(a)).not.toContain('secret-share');
    expect(Object.keys(a).sort()).toEqual(['ciphertext', 'iv', 'keyId', 'tag', 'wrappedKey']);
    expect(await env.openFromString(await env.sealToString('hello', ctx), ctx)).toBe('hello');
  });

  it('detects tampering with ciphertext, tag, iv, wrapped key, and a record moved to another wallet/curve/party', async () => {
    const rec = await env.seal('share', ctx);
    await expectOpenFails(env, { ...rec, ciphertext: flipB64(rec.ciphertext) });
    await expectOpenFails(env, { ...rec, tag: flipB64(rec.tag) });
    await expectOpenFails(env, { ...rec, iv: flipB64(rec.iv) });
    await expectOpenFails(env, { ...rec, wrappedKey: flipB64(rec.wrappedKey) });
    await expectOpenFails(env, { ...rec, keyId: 'local:other' });
    await expectOpenFails(env, rec, { ...ctx, walletId: 'w2' });
    await expectOpenFails(env, rec, { ...ctx, curve: 'ed25519' });
    await expectOpenFails(env, rec, { ...ctx, party: 'client' });
  });

  it('a different master key cannot open the record', async () => {
    const rec = await env.seal('share', ctx);
    const other = new Envelope(new LocalMasterKeyProvider(randomBytes(32)));
    await expectOpenFails(other, rec);
    const sameIdOtherKey = new Envelope(new LocalMasterKeyProvider(randomBytes(32), rec.keyId));
    await expectOpenFails(sameIdOtherKey, rec);
  });

  it('reads MASTER_KEY as 64 hex chars or base64', async () => {
    const hex = master.toString('hex');
    expect(Buffer.from(parseMasterKey(hex)).equals(master)).toBe(true);
    expect(Buffer.from(parseMasterKey(master.toString('base64'))).equals(master)).toBe(true);
    expect(() => parseMasterKey('abcd')).toThrow(/32 bytes/);
    const fromEnv = LocalMasterKeyProvider.fromEnv({ MASTER_KEY: hex });
    const rec = await env.seal('x', ctx);
    expect(await new Envelope(fromEnv).open(rec, ctx)).toBe('x');
    expect(() => LocalMasterKeyProvider.fromEnv({})).toThrow(/MASTER_KEY/);
  });
});
