/**
 * Key custody through the real API (Portal test stack: API, worker, PostgreSQL, Temporal, anvil), the client as
 * attacker: tampered client shares are refused with 400 mpc_share_invalid before any signing and before a transfer
 * is recorded; a failed partial signature locks the wallet (423 wallet_locked) until an operator unlocks it with a
 * server key; every security-relevant event lands in the tenant's audit log (GET /v1/audit-events, cursor pagination,
 * another tenant sees none of it); client credentials can be revoked. And the front door: /health says only up/down
 * without a server key and never echoes error text; the zero address and the sender itself are refused as `to`;
 * the faucet is off in production.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Connection, Client as TemporalClient } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { seedServerKey } from '../../api/auth.js';
import { loadConfig } from '../../config/env.js';
import { Envelope, LocalMasterKeyProvider, parseMasterKey } from '../../signer/envelope.js';
import { fromHex, mod, modInv, randNonZeroBelow, toHex } from '../../signer/mpc/bigint.js';
import { PaillierPublicKey } from '../../signer/mpc/paillier.js';
import { G, pointToHex, q } from '../../signer/mpc/secp.js';
import { MpcSigner } from '../../signer/mpc-signer.js';
import { PrismaShareStore } from '../../storage/share-store.js';
import { type PortalStack, startPortalStack } from './portal-stack.js';

type Shares = { SECP256K1: { share: string; id: string }; ED25519: { share: string; id: string } };
interface Client {
  id: string;
  token: string;
  shares: Shares;
  walletId: string;
  publicKey: string;
}
interface AuditEvent {
  id: string;
  type: string;
  walletId: string | null;
  curve: string | null;
  actor: { kind: string; id: string | null };
  details: Record<string, unknown> | null;
}

const RECIPIENT = '0xdFd8302f44727A6348F702fF7B594f127dE3A902';
let stack: PortalStack;
let alice: Client;
let bob: Client;
let otherTenantKey: string;

async function newClient(): Promise<Client> {
  const c = await stack.call<{ id: string; clientSessionToken: string }>(
    stack.apiKey,
    'POST',
    '/api/v1/custodians/clients',
    {},
  );
  const gen = await stack.call<Shares>(c.body.clientSessionToken, 'POST', '/v1/generate', {});
  expect(gen.status).toBe(200);
  const confirmed = await stack.call(c.body.clientSessionToken, 'PATCH', '/api/v3/clients/me/signing-share-pairs', {
    status: 'STORED_CLIENT',
    signingSharePairIds: [gen.body.SECP256K1.id, gen.body.ED25519.id],
  });
  expect(confirmed.status).toBe(204);
  const info = await stack.call<{ wallet: { walletId: string; publicKey: string } }>(
    stack.apiKey,
    'GET',
    `/api/v1/custodians/clients/${c.body.id}`,
  );
  return {
    id: c.body.id,
    token: c.body.clientSessionToken,
    shares: gen.body,
    walletId: info.body.wallet.walletId,
    publicKey: info.body.wallet.publicKey,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: share JSON under test
type Json = Record<string, any>;
const json = (wire: string): Json => JSON.parse(Buffer.from(wire, 'base64').toString('utf8')) as Json;
const wire = (v: Json): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64');
const edit = (share: string, f: (v: Json) => void): string => {
  const v = json(share);
  f(v);
  return wire(v);
};
const digest = () => randomBytes(32).toString('hex');
const rawSign = (c: Client, curve: 'SECP256K1' | 'ED25519', share: string, param = digest()) =>
  stack.call<{ data: string; id?: string; message?: string }>(c.token, 'POST', `/v1/raw/sign/${curve}`, {
    param,
    share,
  });
const auditEvents = (key: string, query: string) =>
  stack.call<{ data: AuditEvent[]; nextCursor: string | null; id?: string }>(key, 'GET', `/v1/audit-events?${query}`);

/** The threshold-oracle share of the issue: c_key′ = c_key^α · Enc(−q·t), x2′ = x2·α⁻¹. */
function oracleShare(share: string): string {
  const e = json(share).ecdsa as Json;
  const n = fromHex(e.n, 'n');
  const pk = new PaillierPublicKey(n);
  const alpha = randNonZeroBelow(q);
  const t = randNonZeroBelow(1n << 64n);
  return edit(share, (v) => {
    v.ecdsa.ckey = toHex(pk.add(pk.mulConst(fromHex(e.ckey, 'ckey'), alpha), pk.encrypt(mod(-q * t, n))));
    v.ecdsa.x2 = toHex(mod(fromHex(e.x2, 'x2') * modInv(alpha, q), q));
  });
}

beforeAll(async () => {
  stack = await startPortalStack();
  alice = await newClient();
  bob = await newClient();
  otherTenantKey = `cfsk_${randomBytes(16).toString('hex')}`;
  await seedServerKey(stack.runtime.prisma, `tenant-other-${randomBytes(4).toString('hex')}`, otherTenantKey);
});
afterAll(async () => {
  await stack?.close();
});

describe('a tampered client share is refused before signing (400 mpc_share_invalid)', () => {
  it('the oracle share, a foreign or 16,384-bit N, a swapped Q2, another wallet’s share relabelled', async () => {
    const own = json(alice.shares.SECP256K1.share).ecdsa as Json;
    const other = json(bob.shares.SECP256K1.share).ecdsa as Json;
    const x2 = randNonZeroBelow(q);
    const cases: Record<string, string> = {
      oracle: oracleShare(alice.shares.SECP256K1.share),
      'foreign N': edit(alice.shares.SECP256K1.share, (v) => {
        v.ecdsa.n = other.n;
      }),
      '16,384-bit N': edit(alice.shares.SECP256K1.share, (v) => {
        v.ecdsa.n = `f${randomBytes(2047).toString('hex')}1`;
      }),
      'swapped Q2': edit(alice.shares.SECP256K1.share, (v) => {
        v.ecdsa.Q2 = other.Q2;
      }),
      'own x2 and Q2 replaced': edit(alice.shares.SECP256K1.share, (v) => {
        v.ecdsa.x2 = toHex(x2);
        v.ecdsa.Q2 = pointToHex(G.multiply(x2));
      }),
      'another wallet relabelled': edit(bob.shares.SECP256K1.share, (v) => {
        v.walletId = alice.walletId;
      }),
    };
    expect(own.n).not.toBe(other.n);
    for (const [what, share] of Object.entries(cases)) {
      const res = await rawSign(alice, 'SECP256K1', share);
      expect(res, what).toMatchObject({ status: 400, body: { id: 'mpc_share_invalid' } });
      // One message for every check, and never a value from the share.
      expect(res.body.message, what).toBe(
        what === '16,384-bit N'
          ? 'Key share refused: n is not a hex integer of at most 4096 bits'
          : 'Client share refused: its public parts are not the ones recorded for this wallet key',
      );
    }
    // The same discipline on /v1/sign and for ED25519 shares.
    const personal = await stack.call<{ id: string }>(alice.token, 'POST', '/v1/sign', {
      method: 'personal_sign',
      params: JSON.stringify(['hello']),
      share: cases.oracle,
      chainId: 'eip155:31337',
    });
    expect(personal).toMatchObject({ status: 400, body: { id: 'mpc_share_invalid' } });
    const frost = json(bob.shares.ED25519.share).frost as Json;
    const movedEd = edit(alice.shares.ED25519.share, (v) => {
      v.frost.signingShare = frost.signingShare;
    });
    expect(await rawSign(alice, 'ED25519', movedEd, 'aa')).toMatchObject({
      status: 400,
      body: { id: 'mpc_share_invalid' },
    });
  });

  it('a transfer with a tampered share is refused before anything is recorded or started', async () => {
    const before = await stack.runtime.prisma.transfer.count({ where: { walletId: alice.walletId } });
    const res = await stack.call<{ id: string }>(alice.token, 'POST', '/v1/assets/send', {
      share: oracleShare(alice.shares.SECP256K1.share),
      chain: 'anvil',
      to: RECIPIENT,
      token: 'NATIVE',
      amount: '0.001',
    });
    expect(res).toMatchObject({ status: 400, body: { id: 'mpc_share_invalid' } });
    expect(await stack.runtime.prisma.transfer.count({ where: { walletId: alice.walletId } })).toBe(before);
    expect(await stack.runtime.prisma.shareVault.count({ where: { walletId: alice.walletId } })).toBe(0);
  });

  it('the valid share still signs, and the refusals did not lock the wallet', async () => {
    const d = digest();
    const res = await rawSign(alice, 'SECP256K1', alice.shares.SECP256K1.share, d);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sig = Buffer.from(res.body.data.slice(2), 'hex');
    expect(
      secp256k1.verify(sig.subarray(0, 64), Buffer.from(d, 'hex'), Buffer.from(alice.publicKey, 'hex'), {
        prehash: false,
      }),
    ).toBe(true);
  });
});

describe('a failed partial signature locks the wallet until an operator unlocks it', () => {
  it('423 wallet_locked on every signing route after one bad partial; unlock with a server key of the tenant only', async () => {
    // The client party as a remote attacker would play it: a P2 whose partial signature c3 is c3 · Enc(−q·t), with t
    // large enough (q³) that the plaintext wraps modulo N, so the signature does not verify.
    // It runs against the real stores, vault and lock table of the stack (the runtime's signer has no such hook).
    const prisma = stack.runtime.prisma;
    const n = fromHex((json(alice.shares.SECP256K1.share).ecdsa as Json).n, 'n');
    const pk = new PaillierPublicKey(n);
    const attacker = new MpcSigner({
      serverStore: new PrismaShareStore(prisma, ['server', 'server-backup']),
      clientStore: new PrismaShareStore(prisma, ['client']),
      envelope: new Envelope(new LocalMasterKeyProvider(parseMasterKey(stack.masterKey))),
      resolveClientShare: (ref) => stack.runtime.shareVault.resolve(ref),
      guard: stack.runtime.signingGuard,
      presignatures: 0,
      tamper: (step, msg) =>
        step === 'sign/4:c3'
          ? { ...(msg as Json), c3: toHex(pk.add(fromHex((msg as Json).c3, 'c3'), pk.encrypt(mod(-q * q ** 3n, n)))) }
          : msg,
    });
    const shareJson = Buffer.from(alice.shares.SECP256K1.share, 'base64').toString('utf8');
    const ref = await stack.runtime.shareVault.put(alice.walletId, 'secp256k1', shareJson);
    await expect(
      attacker.sign({ walletId: alice.walletId, curve: 'secp256k1', payload: digest(), shareRef: ref }),
    ).rejects.toMatchObject({ id: 'wallet_locked' });
    attacker.close();

    // Locked for everyone and every route, with the honest share too; the other curve still signs.
    expect(await rawSign(alice, 'SECP256K1', alice.shares.SECP256K1.share)).toMatchObject({
      status: 423,
      body: { id: 'wallet_locked' },
    });
    const transfersBefore = await prisma.transfer.count({ where: { walletId: alice.walletId } });
    const send = await stack.call(alice.token, 'POST', '/v1/assets/send', {
      share: alice.shares.SECP256K1.share,
      chain: 'anvil',
      to: RECIPIENT,
      token: 'NATIVE',
      amount: '0.001',
    });
    expect(send).toMatchObject({ status: 423, body: { id: 'wallet_locked' } });
    expect(await prisma.transfer.count({ where: { walletId: alice.walletId } })).toBe(transfersBefore);
    expect((await rawSign(alice, 'ED25519', alice.shares.ED25519.share, 'abcd')).status).toBe(200);

    // Unlock: a client credential may not, another tenant cannot see the wallet, the tenant's server key can.
    const unlock = (key: string, curve = 'SECP256K1') =>
      stack.call<{ unlocked?: boolean; id?: string }>(key, 'POST', `/v1/wallets/${alice.walletId}/unlock`, { curve });
    expect(await unlock(alice.token)).toMatchObject({ status: 403 });
    expect(await unlock(otherTenantKey)).toMatchObject({ status: 404, body: { id: 'wallet_not_found' } });
    expect(await unlock(stack.apiKey, 'P256')).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
    expect(await unlock(stack.apiKey)).toMatchObject({ status: 200, body: { unlocked: true } });
    expect(await unlock(stack.apiKey)).toMatchObject({ status: 200, body: { unlocked: false } });
    expect((await rawSign(alice, 'SECP256K1', alice.shares.SECP256K1.share)).status).toBe(200);

    const locked = await auditEvents(stack.apiKey, `type=wallet_locked&walletId=${alice.walletId}`);
    expect(locked.body.data).toEqual([
      expect.objectContaining({
        walletId: alice.walletId,
        curve: 'secp256k1',
        actor: { kind: 'system', id: null },
        details: { reason: 'mpc_bad_proof' },
      }),
    ]);
    const unlocked = await auditEvents(stack.apiKey, `type=wallet_unlocked&walletId=${alice.walletId}`);
    expect(unlocked.body.data).toEqual([
      expect.objectContaining({ curve: 'secp256k1', actor: { kind: 'server', id: expect.any(String) } }),
    ]);
  });
});

describe('credentials can be revoked', () => {
  it('a test client API key and a client’s session tokens stop working at once', async () => {
    const key = await stack.call<{ id: string; clientApiKey: string }>(
      stack.apiKey,
      'POST',
      `/api/v1/custodians/clients/${bob.id}/test-api-keys`,
      {},
    );
    expect(key.status).toBe(201);
    expect((await stack.call(key.body.clientApiKey, 'GET', '/v1/transfers')).status).toBe(200);
    const path = `/api/v1/custodians/clients/${bob.id}/test-api-keys/${key.body.id}`;
    expect((await stack.call(otherTenantKey, 'DELETE', path)).status).toBe(404);
    expect((await stack.call(stack.apiKey, 'DELETE', path)).status).toBe(204);
    expect(await stack.call(key.body.clientApiKey, 'GET', '/v1/transfers')).toMatchObject({
      status: 401,
      body: { id: 'INVALID_API_KEY' },
    });
    expect((await stack.call(stack.apiKey, 'DELETE', path)).status).toBe(404);

    const revoked = await stack.call<{ revoked: number }>(
      stack.apiKey,
      'DELETE',
      `/api/v1/custodians/clients/${bob.id}/sessions`,
    );
    expect(revoked).toMatchObject({ status: 200, body: { revoked: 1 } });
    expect(await stack.call(bob.token, 'GET', '/v1/transfers')).toMatchObject({ status: 401 });
  });
});

describe('GET /v1/audit-events', () => {
  it('records key generation, credentials, refusals; pages with a cursor; another tenant and clients see nothing', async () => {
    const refused = await auditEvents(stack.apiKey, `type=signing_refused&walletId=${alice.walletId}&limit=100`);
    expect(refused.status).toBe(200);
    expect(refused.body.data.length).toBeGreaterThanOrEqual(8);
    for (const e of refused.body.data) expect(e.details?.reason).toBe('mpc_share_invalid');
    const generated = await auditEvents(stack.apiKey, 'type=key_generated');
    expect(generated.body.data.map((e) => e.walletId).sort()).toEqual([alice.walletId, bob.walletId].sort());
    expect(generated.body.data[0]?.actor.kind).toBe('client_session');
    const credentials = await auditEvents(stack.apiKey, 'type=credential_revoked');
    expect(credentials.body.data.map((e) => e.details?.credential).sort()).toEqual([
      'client_session',
      'client_test_api_key',
    ]);
    expect((await auditEvents(stack.apiKey, 'type=credential_created')).body.data.length).toBe(3);

    // Cursor pagination: pages of 3, newest first, no event twice, until nextCursor is null.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await auditEvents(stack.apiKey, `limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((e) => e.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    const all = await auditEvents(stack.apiKey, 'limit=100');
    expect(seen).toEqual(all.body.data.map((e) => e.id));

    // Tenant-scoped: another tenant's server key sees none of it; clients may not read the log.
    expect(await auditEvents(otherTenantKey, 'limit=100')).toMatchObject({ status: 200, body: { data: [] } });
    expect((await auditEvents(alice.token, 'limit=10')).status).toBe(403);
    expect(await auditEvents(stack.apiKey, 'cursor=abc')).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
    expect(await auditEvents(stack.apiKey, 'type=nope')).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
    // No share material in any event.
    const text = JSON.stringify(all.body);
    expect(text).not.toContain((json(alice.shares.SECP256K1.share).ecdsa as Json).x2);
  });
});

describe('the front door', () => {
  it('/health: up/down only without a server key, latency and reason words with one', async () => {
    const anon = await fetch(`${stack.url}/health`);
    expect(anon.status).toBe(200);
    expect(await anon.json()).toEqual({
      status: 'ok',
      checks: {
        database: { name: 'database', ok: true },
        temporal: { name: 'temporal', ok: true },
        worker: { name: 'worker', ok: true },
        signing: { name: 'signing', ok: true },
      },
    });
    const client = await stack.call<{ checks: Record<string, Json> }>(alice.token, 'GET', '/health');
    expect(client.body.checks.database).toEqual({ name: 'database', ok: true });
    const server = await stack.call<{ checks: Record<string, Json> }>(stack.apiKey, 'GET', '/health');
    expect(server.body.checks.worker).toMatchObject({ ok: true, ms: expect.any(Number) });
  });

  it('/health with Temporal unreachable: 503 and fixed reason words, never the error text', async () => {
    // A real gRPC connection to a closed port, without the client's retry interceptor (its retries would outlive
    // the test and hit the closed channel).
    const connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
    const config = loadConfig({ ...process.env, MASTER_KEY: stack.masterKey });
    const app = createApp({
      ...stack.runtime,
      temporal: new TemporalClient({ connection }),
      config,
      logger: pino({ level: 'silent' }),
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const addr = server.address();
      const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/health`;
      for (const auth of [undefined, `Bearer ${stack.apiKey}`]) {
        const res = await fetch(url, auth ? { headers: { authorization: auth } } : {});
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|connect|error/i);
        const body = JSON.parse(text) as { status: string; checks: Record<string, Json> };
        expect(body.status).toBe('degraded');
        expect(body.checks.database?.ok).toBe(true);
        expect(body.checks.temporal?.ok).toBe(false);
        if (auth) expect(['unreachable', 'timeout']).toContain(body.checks.temporal?.reason);
        else expect(body.checks.temporal).toEqual({ name: 'temporal', ok: false });
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close().catch(() => {});
    }
  });

  it('refuses the zero address and the sending wallet itself as `to` before anything is written', async () => {
    const info = await stack.call<{ wallet: { addresses: Record<string, string> } }>(
      stack.apiKey,
      'GET',
      `/api/v1/custodians/clients/${alice.id}`,
    );
    const self = info.body.wallet.addresses.anvil!;
    const before = await stack.runtime.prisma.transfer.count({ where: { walletId: alice.walletId } });
    const send = (to: string) =>
      stack.call<{ id: string; message: string }>(alice.token, 'POST', '/v1/assets/send', {
        share: alice.shares.SECP256K1.share,
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.001',
      });
    expect(await send('0x0000000000000000000000000000000000000000')).toMatchObject({
      status: 400,
      body: { id: 'to_zero_address' },
    });
    expect(await send(self)).toMatchObject({ status: 400, body: { id: 'to_is_sender' } });
    expect(await send(self.toLowerCase())).toMatchObject({ status: 400, body: { id: 'to_is_sender' } });
    expect(await stack.runtime.prisma.transfer.count({ where: { walletId: alice.walletId } })).toBe(before);
  });

  it('a server wallet left keyless by a crash is replaced on the next create; one being created answers 409', async () => {
    const { prisma } = stack.runtime;
    const tenantId = (await prisma.wallet.findUniqueOrThrow({ where: { id: alice.walletId } })).tenantId;
    // What a process killed during key generation leaves behind: the row, no keys (the demo's reported dead end).
    const crashed = await prisma.wallet.create({
      data: {
        id: `crashed-${randomBytes(4).toString('hex')}`,
        tenantId,
        userId: `crashed-${randomBytes(4).toString('hex')}`,
        custody: 'server',
        createdAt: new Date(Date.now() - 10 * 60_000),
      },
    });
    const again = await stack.call<{ walletId: string; addresses: Record<string, string> }>(
      stack.apiKey,
      'POST',
      '/api/wallets',
      { userId: crashed.userId },
    );
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.walletId).not.toBe(crashed.id);
    expect(again.body.addresses.anvil).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await prisma.wallet.findUnique({ where: { id: crashed.id } })).toBeNull();

    const running = await prisma.wallet.create({
      data: { id: `running-${randomBytes(4).toString('hex')}`, tenantId, userId: 'keygen-running', custody: 'server' },
    });
    const busy = await stack.call<{ id: string }>(stack.apiKey, 'POST', '/api/wallets', { userId: 'keygen-running' });
    expect(busy).toMatchObject({ status: 409, body: { id: 'wallet_creation_in_progress' } });
    expect(await prisma.wallet.findUnique({ where: { id: running.id } })).toMatchObject({ secp256k1PublicKey: null });
    await prisma.wallet.delete({ where: { id: running.id } });
  });

  it('the faucet is off in production even with ENABLE_DEV_FAUCET=true', async () => {
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'production',
      ENABLE_DEV_FAUCET: 'true',
      // Production needs a co-signer configured (this app never calls it: the faucet is refused first).
      COSIGNER_URL: 'http://127.0.0.1:9',
      COSIGNER_CALLER_ID: 'api',
      COSIGNER_CALLER_KEY: '11'.repeat(32),
      COSIGNER_PUBLIC_KEY: '22'.repeat(32),
    });
    const app = createApp({ ...stack.runtime, temporal: stack.temporal, config, logger: pino({ level: 'silent' }) });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const addr = server.address();
      const res = await fetch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/v1/dev/faucet`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ chain: 'anvil', address: RECIPIENT, amount: '1' }),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ id: 'faucet_unavailable' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
