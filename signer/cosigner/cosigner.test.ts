/**
 * The co-signer as the second party of server wallets, over the real channel (HTTP with signed requests and
 * responses) and its own PostgreSQL database, role and key-encryption key. Each claim is played by its attacker:
 * the main service alone, an unlisted or impersonating caller, a replay, a tampered body, an impostor co-signer,
 * a caller that tries to overwrite a share, the main service's database role and key, a co-signer that restarts
 * (losing its presignatures) or is down, and a co-signer that sends a bad partial signature.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAppRole, provisionCosignerDatabase } from '../../scripts/stack/cosigner-db.js';
import { Envelope, LocalMasterKeyProvider } from '../envelope.js';
import { keyRingFromConfig } from '../key-providers/from-config.js';
import { InMemoryShareStore } from '../mpc/share-store.js';
import { testPaillierKeySource } from '../mpc/test-keys.js';
import { MpcSigner } from '../mpc-signer.js';
import type { Cosigner } from './api.js';
import { HEADER, newKeyPairHex, privateKeyFromHex, publicKeyFromHex, signRequest } from './auth.js';
import { CosignerClient } from './client.js';
import { LocalCosigner } from './local.js';
import { PgCosignerStore } from './pg-store.js';
import { type RunningCosigner, startCosignerServer } from './server.js';

const adminUrl = process.env.DATABASE_URL as string;
const worker = newKeyPairHex();
const cosignerKey = newKeyPairHex();
const cosignerKek = randomBytes(32);
const mainKek = randomBytes(32);
let store: PgCosignerStore;
let running: RunningCosigner | undefined;
let port = 0;
let cosignerDbUrl = '';

async function startCosigner(): Promise<RunningCosigner> {
  const party = new LocalCosigner({ store, envelope: new Envelope(new LocalMasterKeyProvider(cosignerKek)) });
  const server = await startCosignerServer({
    party,
    callers: new Map([['worker', publicKeyFromHex(worker.publicKey)]]),
    signingKey: privateKeyFromHex(cosignerKey.privateKey),
    port,
    onRefused: (info) => void store.logRefusal(info),
  });
  port = Number(new URL(server.url).port);
  return server;
}

function client(overrides: Partial<{ callerKey: string; cosignerPublicKey: string }> = {}): CosignerClient {
  return new CosignerClient({
    url: running!.url,
    callerId: 'worker',
    callerKey: privateKeyFromHex(overrides.callerKey ?? worker.privateKey),
    cosignerKey: publicKeyFromHex(overrides.cosignerPublicKey ?? cosignerKey.publicKey),
    timeoutMs: 20_000,
  });
}

function mainSigner(cosigner: Cosigner, serverStore = new InMemoryShareStore()) {
  const signer = new MpcSigner({
    serverStore,
    cosigner,
    envelope: new Envelope(new LocalMasterKeyProvider(mainKek)),
    paillierKeys: testPaillierKeySource(),
    presignatures: 2,
  });
  return { signer, serverStore };
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${running!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as { id?: string } | undefined };
}

const digest = () => randomBytes(32);
const walletId = `w-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  const db = await provisionCosignerDatabase(adminUrl, {
    role: 'cosigner_test',
    database: 'cosigner_test',
    password: randomBytes(12).toString('hex'),
  });
  cosignerDbUrl = db.url;
  store = new PgCosignerStore(db.url);
  await store.migrate();
  running = await startCosigner();
});

afterAll(async () => {
  await running?.close();
  await store?.close();
});

describe('co-signer: server wallets with the second party in another service', () => {
  const channel = () => client();
  let main: ReturnType<typeof mainSigner>;
  let secpKey = '';

  it('creates keys and signs with both parties apart; the main side stores only its own share', async () => {
    main = mainSigner(channel());
    secpKey = (await main.signer.createKey(walletId, 'secp256k1')).publicKey;
    const edKey = (await main.signer.createKey(walletId, 'ed25519')).publicKey;
    const d = digest();
    const sig = await main.signer.sign({ walletId, curve: 'secp256k1', payload: bytesToHex(d) });
    expect(secp256k1.verify(hexToBytes(sig.signature), d, hexToBytes(secpKey), { prehash: false })).toBe(true);
    const msg = randomBytes(40);
    const edSig = await main.signer.sign({ walletId, curve: 'ed25519', payload: bytesToHex(msg) });
    expect(ed25519.verify(hexToBytes(edSig.signature), msg, hexToBytes(edKey))).toBe(true);
    // A second call is idempotent (and confirms nothing new).
    expect((await main.signer.createKey(walletId, 'secp256k1')).publicKey).toBe(secpKey);

    for (const curve of ['secp256k1', 'ed25519'] as const) {
      expect(await main.serverStore.latest(walletId, curve, 'server')).toBeDefined();
      expect(await main.serverStore.latest(walletId, curve, 'client')).toBeUndefined();
    }
    const rows = await store.pool.query(
      `SELECT curve, version, status, blob FROM cosigner_share WHERE wallet_id = $1 ORDER BY curve`,
      [walletId],
    );
    expect(rows.rows.map((r) => [r.curve, r.version, r.status])).toEqual([
      ['ed25519', 1, 'active'],
      ['secp256k1', 1, 'active'],
    ]);
    // Sealed under the co-signer's key: no share field in clear, and the main service's key cannot open it.
    for (const r of rows.rows)
      expect(Object.keys(JSON.parse(r.blob)).sort()).toEqual(['ciphertext', 'iv', 'keyId', 'tag', 'wrappedKey']);
    const mainEnvelope = new Envelope(new LocalMasterKeyProvider(mainKek));
    await expect(
      mainEnvelope.openFromString(rows.rows[0].blob, { walletId, curve: rows.rows[0].curve, party: 'client' }),
    ).rejects.toThrow();
    const log = await store.pool.query(
      `SELECT curve, payload, caller FROM cosigner_signature_log WHERE wallet_id = $1 ORDER BY id`,
      [walletId],
    );
    expect(log.rows).toEqual([
      { curve: 'secp256k1', payload: bytesToHex(d), caller: 'worker' },
      { curve: 'ed25519', payload: bytesToHex(msg), caller: 'worker' },
    ]);
  });

  it('the main service alone cannot sign: with the co-signer down, signing fails (retryable) and nothing locks', async () => {
    await running!.close();
    const err = await main.signer
      .sign({ walletId, curve: 'secp256k1', payload: bytesToHex(digest()) })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ id: 'cosigner_unavailable', kind: 'retryable' });
    // Restarted: its presignatures are gone (new process memory); the pooled ones are dropped and signing goes on.
    running = await startCosigner();
    const d = digest();
    const sig = await main.signer.sign({ walletId, curve: 'secp256k1', payload: bytesToHex(d) });
    expect(secp256k1.verify(hexToBytes(sig.signature), d, hexToBytes(secpKey), { prehash: false })).toBe(true);
  });

  it('backup and recovery work across the split: same public key, new version, the old one retired', async () => {
    const backup = await main.signer.backup(walletId);
    expect(Object.keys(backup).sort()).toEqual(['ed25519', 'secp256k1']);
    const recovered = await main.signer.recover(walletId, backup);
    expect(recovered.secp256k1).toMatchObject({ publicKey: secpKey, version: 2 });
    expect(recovered.secp256k1?.share).toBeUndefined();
    const d = digest();
    const sig = await main.signer.sign({ walletId, curve: 'secp256k1', payload: bytesToHex(d) });
    expect(secp256k1.verify(hexToBytes(sig.signature), d, hexToBytes(secpKey), { prehash: false })).toBe(true);
    const edMsg = randomBytes(16);
    const edSig = await main.signer.sign({ walletId, curve: 'ed25519', payload: bytesToHex(edMsg) });
    expect(ed25519.verify(hexToBytes(edSig.signature), edMsg, hexToBytes(recovered.ed25519!.publicKey))).toBe(true);
    const rows = await store.pool.query(
      `SELECT version, status FROM cosigner_share WHERE wallet_id = $1 AND curve = 'secp256k1' ORDER BY version`,
      [walletId],
    );
    expect(rows.rows).toEqual([
      { version: 1, status: 'retired' },
      { version: 2, status: 'active' },
    ]);
    // A caller asking for the old version is refused by the co-signer.
    const stale = await channel()
      .ecdsaPresign1({ walletId, curve: 'secp256k1', version: 1, msg: {} })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ id: 'mpc_share_mismatch' });
  });

  it('a caller cannot overwrite an active share (no DoS of the wallet by a second key generation)', async () => {
    const other = mainSigner(channel());
    // A fresh main side (empty server store) runs key generation for the same wallet: the co-signer refuses.
    const err = await other.signer.createKey(walletId, 'secp256k1').catch((e: unknown) => e);
    expect(err).toMatchObject({ id: 'cosigner_share_exists' });
    const d = digest();
    const sig = await main.signer.sign({ walletId, curve: 'secp256k1', payload: bytesToHex(d) });
    expect(secp256k1.verify(hexToBytes(sig.signature), d, hexToBytes(secpKey), { prehash: false })).toBe(true);
  });

  it('a co-signer sending a bad partial signature locks the wallet (the server party checks every partial)', async () => {
    const honest = channel();
    const tampering: Cosigner = Object.assign(Object.create(honest), {
      ecdsaPartial: async (req: Parameters<Cosigner['ecdsaPartial']>[0]) => {
        const out = (await honest.ecdsaPartial(req)) as { msg: { sessionId: string; c3: string } };
        const c3 = BigInt(`0x${out.msg.c3}`) + 1n;
        return { msg: { ...out.msg, c3: c3.toString(16) } };
      },
    });
    const lockedWallet = `w-${randomBytes(6).toString('hex')}`;
    const m = mainSigner(tampering);
    await m.signer.createKey(lockedWallet, 'secp256k1');
    const err = await m.signer
      .sign({ walletId: lockedWallet, curve: 'secp256k1', payload: bytesToHex(digest()) })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ id: 'wallet_locked' });
    const again = await m.signer
      .sign({ walletId: lockedWallet, curve: 'secp256k1', payload: bytesToHex(digest()) })
      .catch((e: unknown) => e);
    expect(again).toMatchObject({ id: 'wallet_locked' });
    m.signer.close();
  });
});

describe('co-signer channel: only allowed callers, each request once, answers only from the co-signer', () => {
  const body = JSON.stringify({ walletId: 'w-none', curve: 'secp256k1' });
  const path = '/v1/activeVersion';
  const signed = (key = worker.privateKey, caller = 'worker', text = body, now = Date.now()) =>
    signRequest(privateKeyFromHex(key), { method: 'POST', path, caller }, text, now);

  it('answers a signed request from a listed caller', async () => {
    expect(await post(path, body, signed())).toEqual({ status: 200, body: { version: null } });
  });

  it('refuses unsigned, unlisted, impersonating, tampered, stale and replayed requests, and logs each', async () => {
    const before = Number((await store.pool.query('SELECT count(*) FROM cosigner_refusal_log')).rows[0].count);
    const intruder = newKeyPairHex();
    const cases: Record<string, string>[] = [
      {},
      signed(intruder.privateKey, 'intruder'),
      signed(intruder.privateKey, 'worker'),
      signed(worker.privateKey, 'worker', body, Date.now() - 5 * 60_000),
    ];
    for (const headers of cases) {
      const res = await post(path, body, headers);
      expect(res.status).toBe(401);
      expect(res.body?.id).toBe('cosigner_unauthorized');
    }
    const tampered = await post(path, body.replace('w-none', 'w-other'), signed());
    expect(tampered.status).toBe(401);
    const once = signed();
    expect((await post(path, body, once)).status).toBe(200);
    const replay = await post(path, body, once);
    expect(replay).toMatchObject({ status: 401, body: { id: 'cosigner_unauthorized' } });
    // The refusal log is written after the answer goes out.
    await expect
      .poll(async () => Number((await store.pool.query('SELECT count(*) FROM cosigner_refusal_log')).rows[0].count))
      .toBe(before + 6);
  });

  it('refuses an oversized body before reading it all', async () => {
    const huge = JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) });
    const res = await post('/v1/sessionStart', huge, signed(worker.privateKey, 'worker', huge));
    expect(res.status).toBe(413);
  });

  it('a client refuses answers not signed by the pinned co-signer key (an impostor co-signer)', async () => {
    const impostorPinned = client({ cosignerPublicKey: newKeyPairHex().publicKey });
    const err = await impostorPinned.activeVersion({ walletId: 'w-none', curve: 'secp256k1' }).catch((e) => e);
    expect(err).toMatchObject({ id: 'cosigner_unauthorized' });
    impostorPinned.close();
  });

  it('a request header set is bound to its body and path (no reuse for another operation)', async () => {
    const headers = signed();
    const res = await post('/v1/confirm', body, headers);
    expect(res.status).toBe(401);
    expect(HEADER.signature in headers).toBe(true);
  });
});

describe('co-signer key rotation', () => {
  it('re-wraps every share under the new key without touching the ciphertext; only the new key is needed after', async () => {
    const next = randomBytes(32);
    const ring = keyRingFromConfig({
      KEY_PROVIDER: 'local',
      MASTER_KEY: next.toString('hex'),
      MASTER_KEY_PREVIOUS: cosignerKek.toString('hex'),
    });
    const before = await store.pool.query(
      `SELECT wallet_id, curve, version, blob FROM cosigner_share WHERE wallet_id = $1`,
      [walletId],
    );
    const report = await store.rewrapAll(new Envelope(ring));
    expect(report.failed).toEqual([]);
    expect(report.rewrapped).toBeGreaterThanOrEqual(before.rowCount ?? 0);
    const after = await store.pool.query(`SELECT curve, version, blob FROM cosigner_share WHERE wallet_id = $1`, [
      walletId,
    ]);
    for (const row of after.rows) {
      const old = JSON.parse(before.rows.find((b) => b.curve === row.curve && b.version === row.version)!.blob);
      const now = JSON.parse(row.blob);
      expect(now.ciphertext).toBe(old.ciphertext);
      expect(now.keyId).not.toBe(old.keyId);
    }
    ring.close();
    const onlyNew = new LocalCosigner({ store, envelope: new Envelope(new LocalMasterKeyProvider(next)) });
    expect((await onlyNew.activeShare(walletId, 'secp256k1'))?.version).toBe(2);
    expect((await store.rewrapAll(new Envelope(new LocalMasterKeyProvider(next)))).rewrapped).toBe(0);
  });
});

describe('co-signer storage: its own database and role', () => {
  it("the main service's role cannot connect to the co-signer database; the co-signer role cannot read KeyShare", async () => {
    const appUrl = await provisionAppRole(adminUrl, 'chainflow_app_test', randomBytes(12).toString('hex'));
    const target = new URL(appUrl);
    target.pathname = new URL(cosignerDbUrl).pathname;
    const app = new pg.Client({ connectionString: target.toString() });
    const refused = await app.connect().then(
      () => app.query('SELECT count(*) FROM cosigner_share'),
      (e: unknown) => e,
    );
    expect(String((refused as Error).message)).toMatch(/permission denied/);
    await app.end().catch(() => {});

    const cosignerOnMain = new URL(cosignerDbUrl);
    cosignerOnMain.pathname = new URL(adminUrl).pathname;
    const c = new pg.Client({ connectionString: cosignerOnMain.toString() });
    await c.connect();
    const read = await c.query('SELECT count(*) FROM "KeyShare"').catch((e: unknown) => e);
    expect(String((read as Error).message)).toMatch(/permission denied/);
    await c.end();
  });
});

describe('co-signer over TLS (COSIGNER_TLS_CERT / COSIGNER_TLS_KEY, callers COSIGNER_TLS_CA)', () => {
  it('serves https; a caller trusting its CA gets answers, one that does not is refused by TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosigner-tls-'));
    // A self-signed certificate for 127.0.0.1 (openssl is part of the base system here and in CI).
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=cosigner',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const tlsServer = await startCosignerServer({
      party: new LocalCosigner({ store, envelope: new Envelope(new LocalMasterKeyProvider(cosignerKek)) }),
      callers: new Map([['worker', publicKeyFromHex(worker.publicKey)]]),
      signingKey: privateKeyFromHex(cosignerKey.privateKey),
      tls: { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') },
    });
    try {
      expect(tlsServer.url).toMatch(/^https:/);
      const opts = {
        url: tlsServer.url,
        callerId: 'worker',
        callerKey: privateKeyFromHex(worker.privateKey),
        cosignerKey: publicKeyFromHex(cosignerKey.publicKey),
      };
      const trusting = new CosignerClient({ ...opts, ca: cert });
      expect(await trusting.activeVersion({ walletId: 'w-none', curve: 'secp256k1' })).toEqual({ version: null });
      trusting.close();
      const untrusting = new CosignerClient(opts);
      const err = await untrusting.activeVersion({ walletId: 'w-none', curve: 'secp256k1' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ id: 'cosigner_unavailable' });
      expect(String((err as Error).cause)).toMatch(/self.signed|certificate/i);
      untrusting.close();
    } finally {
      await tlsServer.close();
    }
  });
});
