/**
 * AwsKmsKeyProvider against local-kms (a KMS-compatible server; test/support/local-kms.ts). Where local-kms is not
 * installed these tests are skipped, and the reason is printed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalKms, localKmsBinary, localKmsMissing, startLocalKms } from '../../test/support/local-kms.js';
import { Envelope, LocalMasterKeyProvider, type SealedRecord } from '../envelope.js';
import { AwsKmsKeyProvider } from './aws-kms.js';
import { keyRingFromConfig } from './from-config.js';
import { KeyRing } from './key-ring.js';

const haveKms = !!localKmsBinary();
if (!haveKms) console.warn(`[aws-kms.test] skipping the AWS KMS provider tests: ${localKmsMissing}`);
const kmsIt = it.skipIf(!haveKms);

const alice = { walletId: 'wallet-alice', curve: 'secp256k1', party: 'server' };
const bob = { walletId: 'wallet-bob', curve: 'secp256k1', party: 'server' };

let kms: LocalKms;
let keyA: AwsKmsKeyProvider;
let keyB: AwsKmsKeyProvider;

beforeAll(async () => {
  if (!haveKms) return;
  kms = await startLocalKms({ keys: 2 });
  keyA = new AwsKmsKeyProvider({ keyId: kms.keyArns[0]!, client: kms.client() });
  keyB = new AwsKmsKeyProvider({ keyId: kms.keyArns[1]!, client: kms.client() });
});
afterAll(async () => {
  await kms?.stop();
});

describe('AwsKmsKeyProvider (local-kms)', () => {
  kmsIt('seals and opens a share; the record names the KMS key and holds only its wrapped data key', async () => {
    const envelope = new Envelope(keyA);
    const record = await envelope.seal('{"x1":"server-share"}', alice);
    expect(record.keyId).toBe(kms.keyArns[0]);
    expect(Buffer.from(record.wrappedKey, 'base64').length).toBeGreaterThan(32);
    expect(await envelope.open(record, alice)).toBe('{"x1":"server-share"}');
  });

  kmsIt('attacker: a record moved to another wallet row is refused by KMS itself (encryption context)', async () => {
    const dataKey = randomBytes(32);
    const wrapped = await keyA.wrapKey(dataKey, alice);
    expect(Buffer.from(await keyA.unwrapKey(wrapped, keyA.keyId, alice))).toEqual(dataKey);
    // KMS refuses the data key under bob's context, so not even the data key leaves KMS for the moved row.
    await expect(keyA.unwrapKey(wrapped, keyA.keyId, bob)).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    await expect(keyA.unwrapKey(wrapped, keyA.keyId, { ...alice, party: 'client' })).rejects.toThrow();
    await expect(keyA.unwrapKey(wrapped, keyA.keyId, { ...alice, curve: 'ed25519' })).rejects.toThrow();
    // And through the envelope: the stable error id.
    const record = await new Envelope(keyA).seal('alice share', alice);
    await expect(new Envelope(keyA).open(record, bob)).rejects.toMatchObject({ id: 'envelope_open_failed' });
  });

  kmsIt('attacker: a data key wrapped under another KMS key cannot be opened as if it were under ours', async () => {
    const underB = await new Envelope(keyB).seal('bob share', alice);
    // Relabelled to key A: Decrypt names key A, which did not wrap it.
    const relabelled: SealedRecord = { ...underB, keyId: keyA.keyId };
    await expect(new Envelope(keyA).open(relabelled, alice)).rejects.toMatchObject({ id: 'envelope_open_failed' });
    await expect(keyA.unwrapKey(underB.wrappedKey, keyA.keyId, alice)).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    // A provider for key A does not even try a record that names key B.
    await expect(new Envelope(keyA).open(underB, alice)).rejects.toMatchObject({ id: 'envelope_open_failed' });
    // The same bytes under their real key still open: the refusals above are about the key, not the record.
    expect(await new Envelope(keyB).open(underB, alice)).toBe('bob share');
  });

  kmsIt('refuses to wrap without the record context (it would bind the data key to nothing)', async () => {
    await expect(keyA.wrapKey(randomBytes(32))).rejects.toThrow(/record context/);
  });

  kmsIt(
    'key ring from configuration: KEY_PROVIDER=aws-kms wraps under the KMS key, still opens MASTER_KEY records',
    async () => {
      const master = randomBytes(32).toString('hex');
      const legacy = await new Envelope(new LocalMasterKeyProvider(Buffer.from(master, 'hex'))).seal('old', alice);
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      process.env.AWS_ACCESS_KEY_ID = 'local-kms-test';
      process.env.AWS_SECRET_ACCESS_KEY = 'local-kms-test';
      const ring = keyRingFromConfig({
        KEY_PROVIDER: 'aws-kms',
        AWS_KMS_KEY_ID: kms.keyArns[0],
        AWS_REGION: kms.region,
        AWS_KMS_ENDPOINT: kms.endpoint,
        MASTER_KEY: master,
      });
      try {
        const envelope = new Envelope(ring);
        expect(ring.keyId).toBe(kms.keyArns[0]);
        expect(ring.previousKeyIds).toEqual([legacy.keyId]);
        expect(await envelope.open(legacy, alice)).toBe('old');
        const fresh = await envelope.seal('new', alice);
        expect(fresh.keyId).toBe(kms.keyArns[0]);
        expect(await envelope.open(fresh, alice)).toBe('new');
      } finally {
        ring.close();
        process.env.AWS_ACCESS_KEY_ID = saved.id;
        process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
        if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
        if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      }
    },
  );
});

describe('key ring configuration', () => {
  it('KEY_PROVIDER=local: MASTER_KEY wraps, MASTER_KEY_PREVIOUS only unwraps; an unknown key id is refused', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealedOld = await new Envelope(new LocalMasterKeyProvider(oldKey)).seal('share', alice);
    const ring = keyRingFromConfig({
      KEY_PROVIDER: 'local',
      MASTER_KEY: newKey.toString('hex'),
      MASTER_KEY_PREVIOUS: ` ${oldKey.toString('base64')} ,`,
    });
    expect(ring.keyId).toBe(new LocalMasterKeyProvider(newKey).keyId);
    expect(ring.previousKeyIds).toEqual([sealedOld.keyId]);
    const envelope = new Envelope(ring);
    expect(await envelope.open(sealedOld, alice)).toBe('share');
    expect((await envelope.seal('x', alice)).keyId).toBe(ring.keyId);
    const withoutOld = new Envelope(new KeyRing(new LocalMasterKeyProvider(newKey)));
    await expect(withoutOld.open(sealedOld, alice)).rejects.toMatchObject({ id: 'envelope_open_failed' });
  });

  it('refuses incomplete or malformed settings without echoing key material', () => {
    expect(() => keyRingFromConfig({ KEY_PROVIDER: 'local' })).toThrow(/MASTER_KEY is required/);
    expect(() => keyRingFromConfig({ KEY_PROVIDER: 'aws-kms', AWS_REGION: 'eu-west-2' })).toThrow(/AWS_KMS_KEY_ID/);
    expect(() => keyRingFromConfig({ KEY_PROVIDER: 'aws-kms', AWS_KMS_KEY_ID: 'alias/x' })).toThrow(/AWS_REGION/);
    const bad = 'deadbeef'.repeat(3);
    const attempt = () =>
      keyRingFromConfig({
        KEY_PROVIDER: 'local',
        MASTER_KEY: randomBytes(32).toString('hex'),
        MASTER_KEY_PREVIOUS: bad,
      });
    expect(attempt).toThrow(/MASTER_KEY_PREVIOUS must be 32 bytes/);
    expect(attempt).not.toThrow(new RegExp(bad));
  });
});
