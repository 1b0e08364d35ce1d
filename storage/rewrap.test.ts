/**
 * Master key rotation (`npm run keys:rewrap` → rewrapSealedRecords) on the real database with real MPC wallets:
 * local → local and local → AWS KMS (local-kms; skipped with a printed reason where it is not installed).
 * After a rewrap the old key is removed from the configuration and every wallet still signs; the shares'
 * ciphertexts are the same bytes as before.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Curve } from '../chains/types.js';
import { loadConfig } from '../config/env.js';
import { buildRuntime, type Runtime } from '../runtime/deps.js';
import { Envelope, LocalMasterKeyProvider } from '../signer/envelope.js';
import { type KeyProviderConfig, keyRingFromConfig } from '../signer/key-providers/from-config.js';
import { verifySignature } from '../signer/local-key.js';
import { testPaillierKeySource } from '../signer/mpc/test-keys.js';
import { type LocalKms, localKmsBinary, localKmsMissing, startLocalKms } from '../test/support/local-kms.js';
import { createPrisma, type PrismaClient } from './db.js';
import { rewrapSealedRecords } from './rewrap.js';

const haveKms = !!localKmsBinary();
if (!haveKms) console.warn(`[rewrap.test] skipping the local → AWS KMS migration test: ${localKmsMissing}`);

const CURVES: Curve[] = ['secp256k1', 'ed25519'];
let prisma: PrismaClient;
let tenantId: string;
const runtimes: Runtime[] = [];

/** A runtime (API/worker dependencies) with exactly these key settings, as a process started with them would have. */
function runtimeWith(keys: Partial<KeyProviderConfig>): Runtime {
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    PAYLOAD_CODEC_KEY: randomBytes(32).toString('hex'),
    MASTER_KEY: undefined,
    MASTER_KEY_PREVIOUS: undefined,
    AWS_KMS_PREVIOUS_KEY_IDS: undefined,
    ...keys,
  });
  const rt = buildRuntime(config, { paillierKeys: testPaillierKeySource(), presignatures: 0 });
  runtimes.push(rt);
  return rt;
}

async function newWallet(): Promise<string> {
  const id = randomUUID();
  await prisma.wallet.create({ data: { id, tenantId } });
  return id;
}

/** Both curves sign and verify against the wallet's public key (the MPC sign path of mpc-signer.test.ts). */
async function expectSigns(rt: Runtime, walletId: string, publicKeys: Record<string, string>): Promise<void> {
  for (const curve of CURVES) {
    const payload = randomBytes(32).toString('hex');
    const sig = await rt.signer.sign({ walletId, curve, payload });
    expect(verifySignature(curve, publicKeys[curve]!, payload, sig)).toBe(true);
  }
}

async function sealedRows(walletId: string) {
  return prisma.keyShare.findMany({ where: { walletId }, orderBy: [{ curve: 'asc' }, { party: 'asc' }] });
}

function ringEnvelope(keys: KeyProviderConfig) {
  const ring = keyRingFromConfig(keys);
  return { ring, envelope: new Envelope(ring) };
}

beforeAll(async () => {
  prisma = createPrisma(process.env.DATABASE_URL!);
  tenantId = `ten_${randomUUID()}`;
  await prisma.tenant.create({ data: { id: tenantId, name: 'rewrap' } });
});
afterAll(async () => {
  await Promise.all(runtimes.map((rt) => rt.close()));
  await prisma.$disconnect();
});

describe('keys:rewrap, local master key → new local master key', () => {
  const oldKey = randomBytes(32).toString('hex');
  const newKey = randomBytes(32).toString('hex');
  const oldKeyId = new LocalMasterKeyProvider(Buffer.from(oldKey, 'hex')).keyId;
  const newKeyId = new LocalMasterKeyProvider(Buffer.from(newKey, 'hex')).keyId;

  it('re-wraps every share, vault row and webhook secret; the shares are untouched; the old key can go', async () => {
    const before = runtimeWith({ MASTER_KEY: oldKey });
    const wallets = [await newWallet(), await newWallet()];
    const publicKeys: Record<string, Record<string, string>> = {};
    for (const w of wallets) {
      publicKeys[w] = {};
      for (const curve of CURVES) publicKeys[w][curve] = (await before.signer.createKey(w, curve)).publicKey;
      await expectSigns(before, w, publicKeys[w]);
    }
    const vaultRef = await before.shareVault.put(wallets[0]!, 'secp256k1', '{"client":"share in flight"}');
    const hookId = `ep_${randomUUID()}`;
    await prisma.webhookEndpoint.create({
      data: {
        id: hookId,
        tenantId,
        url: 'https://example.invalid/hook',
        secretCiphertext: await before.webhookSecrets.seal(hookId, 'whsec_current'),
        previousSecretCiphertext: await before.webhookSecrets.seal(hookId, 'whsec_previous', 'previous'),
        events: [],
      },
    });
    const shareRows = (await Promise.all(wallets.map(sealedRows))).flat();
    expect(shareRows.length).toBeGreaterThanOrEqual(8); // server and client share per curve per wallet
    expect(new Set(shareRows.map((r) => r.keyId))).toEqual(new Set([oldKeyId]));

    const { ring, envelope } = ringEnvelope({ KEY_PROVIDER: 'local', MASTER_KEY: newKey, MASTER_KEY_PREVIOUS: oldKey });
    // Interrupted after its first batch (the progress callback throws), then run again: it resumes.
    let batches = 0;
    await expect(
      rewrapSealedRecords(prisma, envelope, {
        from: ring.previousKeyIds,
        known: ring.keyIds,
        batchSize: 3,
        log: () => {
          if (++batches === 1) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    const halfway = await prisma.keyShare.count({ where: { walletId: { in: wallets }, keyId: newKeyId } });
    expect(halfway).toBe(3);
    const report = await rewrapSealedRecords(prisma, envelope, {
      from: ring.previousKeyIds,
      known: ring.keyIds,
      batchSize: 3,
    });
    expect(report.failed).toEqual([]);
    expect(report.changed).toBe(0);
    expect(report.rewrapped).toEqual({ KeyShare: shareRows.length - 3, ShareVault: 1, WebhookEndpoint: 1 });

    // Only keyId and wrappedKey changed; iv, tag and the share ciphertext are the same bytes.
    const after = (await Promise.all(wallets.map(sealedRows))).flat();
    expect(after.map((r) => [r.walletId, r.curve, r.party, r.version, r.iv, r.tag, r.ciphertext])).toEqual(
      shareRows.map((r) => [r.walletId, r.curve, r.party, r.version, r.iv, r.tag, r.ciphertext]),
    );
    for (const [i, r] of after.entries()) {
      expect(r.keyId).toBe(newKeyId);
      expect(r.wrappedKey).not.toBe(shareRows[i]!.wrappedKey);
    }

    // Idempotent: nothing left to do.
    const again = await rewrapSealedRecords(prisma, envelope, { from: ring.previousKeyIds, known: ring.keyIds });
    expect(again.rewrapped).toEqual({ KeyShare: 0, ShareVault: 0, WebhookEndpoint: 0 });

    // The old key removed from the configuration: every wallet still signs, the vault and webhook secrets open.
    const rotated = runtimeWith({ MASTER_KEY: newKey });
    for (const w of wallets) await expectSigns(rotated, w, publicKeys[w]!);
    expect(await rotated.shareVault.resolve(vaultRef)).toBe('{"client":"share in flight"}');
    const hook = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: hookId } });
    expect(
      await rotated.webhookSecrets.signing(
        { ...hook, previousSecretExpiresAt: new Date(Date.now() + 60_000) },
        new Date(),
      ),
    ).toEqual(['whsec_current', 'whsec_previous']);
    // And the old key alone opens nothing any more.
    const oldOnly = new Envelope(new LocalMasterKeyProvider(Buffer.from(oldKey, 'hex')));
    const row = after[0]!;
    await expect(
      oldOnly.open(row, { walletId: row.walletId, curve: row.curve, party: row.party }),
    ).rejects.toMatchObject({ id: 'envelope_open_failed' });
  });

  it('a record under a key id that is not configured fails with envelope_open_failed and is reported', async () => {
    const walletId = await newWallet();
    const stray = new LocalMasterKeyProvider(randomBytes(32));
    const ctx = { walletId, curve: 'secp256k1', party: 'server' };
    const sealed = await new Envelope(stray).seal('{"x1":"under a lost key"}', ctx);
    await prisma.keyShare.create({ data: { ...ctx, version: 1, status: 'active', ...sealed } });

    const { ring, envelope } = ringEnvelope({ KEY_PROVIDER: 'local', MASTER_KEY: newKey, MASTER_KEY_PREVIOUS: oldKey });
    await expect(envelope.open(sealed, ctx)).rejects.toMatchObject({ id: 'envelope_open_failed' });
    const report = await rewrapSealedRecords(prisma, envelope, { from: ring.previousKeyIds, known: ring.keyIds });
    expect(report.unknownKeyIds[stray.keyId]).toBe(1);
    // Asked to move it anyway (as `--from <id>` would): it fails with the stable id, and the row is left as it was.
    const forced = await rewrapSealedRecords(prisma, envelope, { from: [stray.keyId], known: ring.keyIds });
    expect(forced.failed).toEqual([
      { table: 'KeyShare', row: `${walletId}/secp256k1/server/v1`, keyId: stray.keyId, error: 'envelope_open_failed' },
    ]);
    const row = await prisma.keyShare.findFirstOrThrow({ where: { walletId } });
    expect({ keyId: row.keyId, wrappedKey: row.wrappedKey, ciphertext: row.ciphertext }).toEqual({
      keyId: sealed.keyId,
      wrappedKey: sealed.wrappedKey,
      ciphertext: sealed.ciphertext,
    });
  });
});

describe('npm run keys:rewrap (the command)', () => {
  it('moves records from MASTER_KEY_PREVIOUS to MASTER_KEY, exits 0, and refuses a --from key it does not hold', async () => {
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('hex');
    const walletId = await newWallet();
    const ctx = { walletId, curve: 'ed25519', party: 'server' };
    const sealed = await new Envelope(new LocalMasterKeyProvider(Buffer.from(oldKey, 'hex'))).seal('share', ctx);
    await prisma.keyShare.create({ data: { ...ctx, version: 1, status: 'active', ...sealed } });
    const run = (args: string[]) =>
      spawnSync('npx', ['--no-install', 'tsx', 'scripts/rewrap-keys.ts', ...args], {
        env: { ...process.env, MASTER_KEY: newKey, MASTER_KEY_PREVIOUS: oldKey, KEY_PROVIDER: 'local' },
        encoding: 'utf8',
      });
    const done = run(['--batch', '10']);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/rewrapped: KeyShare 1, ShareVault 0/);
    expect(done.stdout + done.stderr).not.toContain(oldKey);
    const row = await prisma.keyShare.findFirstOrThrow({ where: { walletId } });
    expect(row.keyId).toBe(new LocalMasterKeyProvider(Buffer.from(newKey, 'hex')).keyId);
    expect(row.ciphertext).toBe(sealed.ciphertext);
    expect(await new Envelope(new LocalMasterKeyProvider(Buffer.from(newKey, 'hex'))).open(row, ctx)).toBe('share');

    const refused = run(['--from', 'local:0000000000000000']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not configured/);
  });
});

describe('keys:rewrap, local master key → AWS KMS (local-kms)', () => {
  let kms: LocalKms;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    if (!haveKms) return;
    kms = await startLocalKms({ keys: 2 });
    // The runtime's KMS client takes the standard AWS credentials from the environment (local-kms accepts any).
    process.env.AWS_ACCESS_KEY_ID = 'local-kms-test';
    process.env.AWS_SECRET_ACCESS_KEY = 'local-kms-test';
  });
  afterAll(async () => {
    await kms?.stop();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  it.skipIf(!haveKms)('moves every share to the KMS key; without MASTER_KEY every wallet still signs', async () => {
    const master = randomBytes(32).toString('hex');
    const kmsKeys = { KEY_PROVIDER: 'aws-kms', AWS_REGION: kms.region, AWS_KMS_ENDPOINT: kms.endpoint } as const;
    const before = runtimeWith({ MASTER_KEY: master });
    const walletId = await newWallet();
    const publicKeys: Record<string, string> = {};
    for (const curve of CURVES) publicKeys[curve] = (await before.signer.createKey(walletId, curve)).publicKey;
    const rows = await sealedRows(walletId);

    const { ring, envelope } = ringEnvelope({ ...kmsKeys, AWS_KMS_KEY_ID: kms.keyArns[0], MASTER_KEY: master });
    const report = await rewrapSealedRecords(prisma, envelope, { from: ring.previousKeyIds, known: ring.keyIds });
    ring.close();
    expect(report.failed).toEqual([]);
    expect(report.rewrapped.KeyShare).toBe(rows.length);
    const after = await sealedRows(walletId);
    expect(after.map((r) => [r.iv, r.tag, r.ciphertext])).toEqual(rows.map((r) => [r.iv, r.tag, r.ciphertext]));
    expect(new Set(after.map((r) => r.keyId))).toEqual(new Set([kms.keyArns[0]]));

    // MASTER_KEY removed: the KMS key alone opens the shares; the wallet signs on both curves.
    const onKms = runtimeWith({ ...kmsKeys, AWS_KMS_KEY_ID: kms.keyArns[0] });
    await expectSigns(onKms, walletId, publicKeys);

    // Attacker: another KMS key of the same account (same credentials) opens none of them.
    const other = runtimeWith({ ...kmsKeys, AWS_KMS_KEY_ID: kms.keyArns[1] });
    await expect(other.signer.sign({ walletId, curve: 'ed25519', payload: '00' })).rejects.toMatchObject({
      id: 'envelope_open_failed',
    });
    const { envelope: otherEnvelope } = ringEnvelope({ ...kmsKeys, AWS_KMS_KEY_ID: kms.keyArns[1] });
    const row = after[0]!;
    await expect(
      otherEnvelope.open({ ...row, keyId: kms.keyArns[1]! }, { walletId, curve: row.curve, party: row.party }),
    ).rejects.toMatchObject({ id: 'envelope_open_failed' });
  });
});
