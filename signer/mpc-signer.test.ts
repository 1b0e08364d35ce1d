import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { recoverAddress } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { Envelope, LocalMasterKeyProvider } from './envelope.js';
import { verifySignature } from './local-key.js';
import type { MpcCompute } from './mpc/compute.js';
import { ComputePool } from './mpc/compute-pool.js';
import { InMemoryShareStore } from './mpc/share-store.js';
import { testPaillierKeySource } from './mpc/test-keys.js';
import { MpcSigner } from './mpc-signer.js';

function setup(opts: { presignatures?: number; compute?: MpcCompute; prepareKeys?: boolean } = {}) {
  const keys = testPaillierKeySource();
  const compute = opts.compute;
  // prepareKeys: like runtime/deps.ts, each Paillier key comes with its range-proof commitments (made on the pool).
  const paillierKeys = opts.prepareKeys && compute ? async () => compute.prepareEcdsaPaillierKey(await keys()) : keys;
  const serverStore = new InMemoryShareStore();
  const clientStore = new InMemoryShareStore();
  const vault = new Map<string, string>();
  const envelope = new Envelope(new LocalMasterKeyProvider(randomBytes(32)));
  const signer = new MpcSigner({
    serverStore,
    clientStore,
    envelope,
    resolveClientShare: async (ref) => {
      const share = vault.get(ref);
      if (!share) throw new Error('unknown shareRef');
      return share;
    },
    paillierKeys,
    presignatures: opts.presignatures ?? 0,
    ...(compute ? { compute } : {}),
  });
  const deposit = (share: string) => {
    const ref = `ref-${vault.size}`;
    vault.set(ref, share);
    return ref;
  };
  return { signer, serverStore, clientStore, deposit };
}

const signers: MpcSigner[] = [];
const pools: ComputePool[] = [];
afterAll(async () => {
  for (const s of signers) s.close();
  await Promise.all(pools.map((p) => p.close()));
});

describe('MpcSigner: server wallets', () => {
  const { signer, serverStore, clientStore } = setup({ presignatures: 3 });
  signers.push(signer);

  it('createKey runs DKG per curve, stores one sealed share per store, and is idempotent', async () => {
    const k = await signer.createKey('w-server', 'secp256k1');
    expect(k.publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(await signer.createKey('w-server', 'secp256k1')).toEqual(k);
    const e = await signer.createKey('w-server', 'ed25519');
    expect(e.publicKey).toMatch(/^[0-9a-f]{64}$/);
    const row = await serverStore.latest('w-server', 'secp256k1', 'server');
    const clientRow = await clientStore.latest('w-server', 'secp256k1', 'client');
    expect(row && clientRow).toBeTruthy();
    // Sealed: only the envelope fields, and no share field in clear anywhere.
    for (const blob of [row?.blob ?? '', clientRow?.blob ?? '']) {
      const sealed = JSON.parse(blob);
      expect(Object.keys(sealed).sort()).toEqual(['ciphertext', 'iv', 'keyId', 'tag', 'wrappedKey']);
      expect(Buffer.from(sealed.ciphertext, 'base64').toString('latin1')).not.toMatch(/"x1"|"x2"|paillier|ckey/);
    }
  });

  it('secp256k1: signature verifies, recovers to the public key and to the same EVM address (viem)', async () => {
    const publicKey = await signer.publicKey('w-server', 'secp256k1');
    const digest = bytesToHex(randomBytes(32));
    const sig = await signer.sign({ walletId: 'w-server', curve: 'secp256k1', payload: `0x${digest}` });
    expect(sig.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(sig.recovery === 0 || sig.recovery === 1).toBe(true);
    expect(
      secp256k1.verify(hexToBytes(sig.signature), hexToBytes(digest), hexToBytes(publicKey), { prehash: false }),
    ).toBe(true);
    expect(verifySignature('secp256k1', publicKey, digest, sig)).toBe(true);
    const uncompressed = secp256k1.Point.fromHex(publicKey).toBytes(false);
    const address = publicKeyToAddress(`0x${bytesToHex(uncompressed)}`);
    const recovered = await recoverAddress({
      hash: `0x${digest}`,
      signature: {
        r: `0x${sig.signature.slice(0, 64)}`,
        s: `0x${sig.signature.slice(64)}`,
        yParity: sig.recovery ?? 0,
      },
    });
    expect(recovered).toBe(address);
  });

  it('ed25519: signature verifies with ed25519.verify', async () => {
    const publicKey = await signer.publicKey('w-server', 'ed25519');
    const msg = bytesToHex(randomBytes(150));
    const sig = await signer.sign({ walletId: 'w-server', curve: 'ed25519', payload: msg });
    expect(ed25519.verify(hexToBytes(sig.signature), hexToBytes(msg), hexToBytes(publicKey))).toBe(true);
  });

  it('presignatures: the pool is consumed one per signature and never reused', async () => {
    expect(await signer.warmUp('w-server', 3)).toBe(3);
    const rs = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const before = signer.presignaturesReady('w-server');
      const sig = await signer.sign({ walletId: 'w-server', curve: 'secp256k1', payload: bytesToHex(randomBytes(32)) });
      expect(signer.presignaturesReady('w-server')).toBe(before - 1);
      rs.add(sig.signature.slice(0, 64));
    }
    expect(rs.size).toBe(3); // distinct nonces (r) every time
    // The pool refills in the background.
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 100 && signer.presignaturesReady('w-server') < 3; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(signer.presignaturesReady('w-server')).toBe(3);
  });

  it('rejects unknown wallets and bad payloads', async () => {
    await expect(signer.sign({ walletId: 'nope', curve: 'ed25519', payload: '00' })).rejects.toMatchObject({
      id: 'wallet_not_found',
    });
    await expect(signer.sign({ walletId: 'w-server', curve: 'secp256k1', payload: 'abcd' })).rejects.toMatchObject({
      id: 'BAD_REQUEST',
    });
  });

  it('a tampered stored share cannot be used', async () => {
    const row = await serverStore.latest('w-server', 'ed25519', 'server');
    if (!row) throw new Error('missing row');
    const sealed = JSON.parse(row.blob);
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[5] = (bytes[5] ?? 0) ^ 1;
    await serverStore.put(
      { walletId: 'w-server', curve: 'ed25519', party: 'server', version: row.version },
      JSON.stringify({ ...sealed, ciphertext: bytes.toString('base64') }),
    );
    await expect(signer.sign({ walletId: 'w-server', curve: 'ed25519', payload: '00' })).rejects.toMatchObject({
      id: 'envelope_open_failed',
    });
    await serverStore.put({ walletId: 'w-server', curve: 'ed25519', party: 'server', version: row.version }, row.blob);
    // A row copied under another wallet id does not open either (AAD binds wallet/curve/party).
    await serverStore.put({ walletId: 'w-copy', curve: 'ed25519', party: 'server', version: 1 }, row.blob);
    await expect(signer.publicKey('w-copy', 'ed25519')).rejects.toMatchObject({ id: 'envelope_open_failed' });
  });

  it('backup → recover keeps the public key; server-side shares are replaced', async () => {
    const before = {
      s: await signer.publicKey('w-server', 'secp256k1'),
      e: await signer.publicKey('w-server', 'ed25519'),
    };
    const oldClient = await clientStore.latest('w-server', 'secp256k1', 'client');
    const backup = await signer.backup('w-server');
    expect(Object.keys(backup).sort()).toEqual(['ed25519', 'secp256k1']);
    const recovered = await signer.recover('w-server', backup);
    expect(recovered.secp256k1).toMatchObject({ publicKey: before.s, version: 2 });
    expect(recovered.ed25519).toMatchObject({ publicKey: before.e, version: 2 });
    expect(recovered.secp256k1?.share).toBeUndefined();
    expect(
      await serverStore.get({ walletId: 'w-server', curve: 'secp256k1', party: 'server', version: 1 }),
    ).toBeUndefined();
    expect(
      await clientStore.get({ walletId: 'w-server', curve: 'secp256k1', party: 'client', version: 1 }),
    ).toBeUndefined();
    const digest = bytesToHex(randomBytes(32));
    const sig = await signer.sign({ walletId: 'w-server', curve: 'secp256k1', payload: digest });
    expect(verifySignature('secp256k1', before.s, digest, sig)).toBe(true);
    expect(oldClient?.version).toBe(1);
  });
});

describe('MpcSigner: server wallet on a ComputePool (presignatures made on the worker)', () => {
  const pool = new ComputePool();
  pools.push(pool);
  const { signer } = setup({ compute: pool, presignatures: 2 });
  signers.push(signer);

  it('warmUp fills the pool from the worker; each signature consumes one presignature, never reused', async () => {
    const { publicKey } = await signer.createKey('w-pool', 'secp256k1');
    expect(await signer.warmUp('w-pool', 2)).toBe(2);
    const rs = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const before = signer.presignaturesReady('w-pool');
      const digest = bytesToHex(randomBytes(32));
      const sig = await signer.sign({ walletId: 'w-pool', curve: 'secp256k1', payload: digest });
      expect(signer.presignaturesReady('w-pool')).toBe(before - 1);
      expect(verifySignature('secp256k1', publicKey, digest, sig)).toBe(true);
      rs.add(sig.signature.slice(0, 64));
    }
    expect(rs.size).toBe(2);
    for (let i = 0; i < 200 && signer.presignaturesReady('w-pool') < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(signer.presignaturesReady('w-pool')).toBe(2); // refilled in the background, on the worker
  }, 120_000);
});

describe('MpcSigner: client-held wallets (keygen and re-sharing on a ComputePool worker, precomputed commitments)', () => {
  const pool = new ComputePool();
  pools.push(pool);
  const { signer, serverStore, clientStore, deposit } = setup({ compute: pool, prepareKeys: true });
  signers.push(signer);
  let wallet: Awaited<ReturnType<MpcSigner['generateClientWallet']>>;

  it('generateClientWallet returns the client shares; nothing client-side is stored', async () => {
    wallet = await signer.generateClientWallet('w-client');
    expect(wallet.secp256k1.publicKey).toBe(await signer.publicKey('w-client', 'secp256k1'));
    expect(wallet.ed25519.publicKey).toBe(await signer.publicKey('w-client', 'ed25519'));
    expect(clientStore.size).toBe(0);
    expect(serverStore.size).toBe(2);
    expect(JSON.parse(wallet.secp256k1.share)).toMatchObject({ role: 'client', walletId: 'w-client', version: 1 });
  });

  it('signs both curves with the client share passed by reference; refuses without it', async () => {
    const digest = bytesToHex(randomBytes(32));
    const s = await signer.sign({
      walletId: 'w-client',
      curve: 'secp256k1',
      payload: digest,
      shareRef: deposit(wallet.secp256k1.share),
    });
    expect(verifySignature('secp256k1', wallet.secp256k1.publicKey, digest, s)).toBe(true);
    const msg = bytesToHex(randomBytes(64));
    const e = await signer.sign({
      walletId: 'w-client',
      curve: 'ed25519',
      payload: msg,
      shareRef: deposit(wallet.ed25519.share),
    });
    expect(ed25519.verify(hexToBytes(e.signature), hexToBytes(msg), hexToBytes(wallet.ed25519.publicKey))).toBe(true);
    await expect(signer.sign({ walletId: 'w-client', curve: 'ed25519', payload: msg })).rejects.toMatchObject({
      id: 'share_not_confirmed',
    });
    // The secp256k1 share is not accepted for the ed25519 key.
    await expect(
      signer.sign({ walletId: 'w-client', curve: 'ed25519', payload: msg, shareRef: deposit(wallet.secp256k1.share) }),
    ).rejects.toMatchObject({ id: 'mpc_share_mismatch' });
  });

  it('backup → recover: same public keys, new shares sign, the old client share is rejected', async () => {
    const refs = { secp256k1: deposit(wallet.secp256k1.share), ed25519: deposit(wallet.ed25519.share) };
    const backup = await signer.backup('w-client', refs);
    const recovered = await signer.recover('w-client', backup);
    const s = recovered.secp256k1;
    const e = recovered.ed25519;
    if (!s?.share || !e?.share) throw new Error('recover must return new client shares');
    expect(s.publicKey).toBe(wallet.secp256k1.publicKey);
    expect(e.publicKey).toBe(wallet.ed25519.publicKey);

    const digest = bytesToHex(randomBytes(32));
    const sig = await signer.sign({
      walletId: 'w-client',
      curve: 'secp256k1',
      payload: digest,
      shareRef: deposit(s.share),
    });
    expect(verifySignature('secp256k1', s.publicKey, digest, sig)).toBe(true);
    const msg = bytesToHex(randomBytes(20));
    const esig = await signer.sign({
      walletId: 'w-client',
      curve: 'ed25519',
      payload: msg,
      shareRef: deposit(e.share),
    });
    expect(ed25519.verify(hexToBytes(esig.signature), hexToBytes(msg), hexToBytes(e.publicKey))).toBe(true);

    // Old client shares: refused by version…
    for (const curve of ['secp256k1', 'ed25519'] as const)
      await expect(
        signer.sign({ walletId: 'w-client', curve, payload: digest, shareRef: deposit(wallet[curve].share) }),
      ).rejects.toMatchObject({ id: 'mpc_share_mismatch' });
    // …and, relabelled with the new version, refused before signing: its public parts are not the recorded ones.
    for (const curve of ['secp256k1', 'ed25519'] as const) {
      const forged = JSON.stringify({ ...JSON.parse(wallet[curve].share), version: 2 });
      await expect(
        signer.sign({ walletId: 'w-client', curve, payload: digest, shareRef: deposit(forged) }),
      ).rejects.toMatchObject({ id: 'mpc_share_invalid' });
    }
    // A backup share cannot be used to sign, and a stale/foreign backup cannot recover.
    await expect(
      signer.sign({ walletId: 'w-client', curve: 'ed25519', payload: msg, shareRef: deposit(backup.ed25519 ?? '') }),
    ).rejects.toMatchObject({ id: 'mpc_share_mismatch' });
    await expect(signer.recover('other-wallet', backup)).rejects.toMatchObject({ id: 'wallet_not_found' });
  });
});
