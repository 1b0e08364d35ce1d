/** Bad input, auth and tenant scoping: clear `{ id, message }` errors and nothing half-written; every response as the OpenAPI document says. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPrefix, seedServerKey } from '../../api/auth.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let walletId: string;
let otherKey: string;

beforeAll(async () => {
  stack = await startTestStack({ contract: true });
  const w = await stack.call<{ walletId: string; address: string }>('POST', '/api/wallets', {
    userId: 'contract-user',
  });
  walletId = w.body.walletId;
  await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: w.body.address, amount: '1' });
  otherKey = `cfsk_${randomBytes(16).toString('hex')}`;
  await seedServerKey(stack.runtime.prisma, `tenant-${randomBytes(4).toString('hex')}`, otherKey);
});
afterAll(async () => {
  await stack?.close();
});

const valid = () => ({
  chain: 'anvil',
  to: '0xdFd8302f44727A6348F702fF7B594f127dE3A902',
  token: 'NATIVE',
  amount: '0.001',
  walletId,
});

describe('send validation', () => {
  it.each([
    ['unknown chain', { chain: 'dogecoin' }, 400, 'chain_unsupported'],
    ['bad address', { to: '0x1234' }, 400, 'bad_to'],
    ['bad checksum', { to: '0xdFd8302f44727a6348F702fF7B594f127dE3A902' }, 400, 'bad_to'],
    ['too many decimals', { amount: '0.0000000000000000001' }, 400, 'bad_amount'],
    ['negative amount', { amount: '-1' }, 400, 'bad_amount'],
    ['zero amount', { amount: '0' }, 400, 'bad_amount'],
    ['unknown token symbol', { token: 'DOGE' }, 400, 'token_unsupported'],
    ['not a token contract', { token: '0x000000000000000000000000000000000000dEaD' }, 400, 'token_unsupported'],
    ['more than the balance', { amount: '1000' }, 400, 'insufficient_funds'],
    ['unknown wallet', { walletId: 'nope' }, 404, 'wallet_not_found'],
    ['bad nonce format', { nonce: '12' }, 400, 'BAD_REQUEST'],
    ['unknown field', { gasPrice: '1' }, 400, 'BAD_REQUEST'],
    ['rpcUrl override disabled', { rpcUrl: 'http://127.0.0.1:1' }, 400, 'BAD_REQUEST'],
  ])('%s → %s %s', async (_name, patch, status, id) => {
    const before = await stack.runtime.prisma.transfer.count();
    const res = await stack.call<{ id: string; message: string }>('POST', '/v1/assets/send', { ...valid(), ...patch });
    expect(res.status).toBe(status);
    expect(res.body.id).toBe(id);
    expect(res.body.message.length).toBeGreaterThan(0);
    // user errors caught before the workflow leave no row; insufficient funds is a workflow preflight failure (row = failed)
    const after = await stack.runtime.prisma.transfer.count();
    expect(after - before).toBe(id === 'insufficient_funds' ? 1 : 0);
  });

  it('rejects a body that is not JSON', async () => {
    const res = await stack.call<{ id: string }>('POST', '/v1/assets/send', '{"chain":');
    expect(res).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
  });

  it('rejects a malformed Idempotency-Key', async () => {
    const res = await stack.call<{ id: string }>('POST', '/v1/assets/send', valid(), {
      'idempotency-key': 'has spaces',
    });
    expect(res).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
  });
});

describe('auth and tenant scoping', () => {
  it('needs a bearer key', async () => {
    const res = await fetch(`${stack.url}/v1/transfers`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ id: 'UNAUTHORIZED', message: expect.any(String) });
    const bad = await stack.call('GET', '/v1/transfers', undefined, {
      authorization: 'Bearer cfsk_wrong_key_123456789',
    });
    expect(bad).toMatchObject({ status: 401, body: { id: 'INVALID_API_KEY' } });
  });

  it('stores API keys hashed only', async () => {
    const rows = await stack.runtime.prisma.apiKey.findMany({
      where: { prefix: { in: [keyPrefix(stack.apiKey), keyPrefix(otherKey)] } },
    });
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.hash).not.toContain(stack.apiKey);
      expect(stack.apiKey.startsWith(r.prefix) || otherKey.startsWith(r.prefix)).toBe(true);
    }
  });

  it("never shows one tenant another tenant's wallets or transfers", async () => {
    const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', valid(), {
      'idempotency-key': 'scoped-1',
    });
    expect(sent.status).toBe(200);
    const as = (path: string, method = 'GET', body?: unknown) =>
      stack.call<{ id: string; data?: unknown[] }>(method, path, body, { authorization: `Bearer ${otherKey}` });
    expect((await as(`/v1/transfers/${sent.body.transferId}`)).status).toBe(404);
    expect((await as(`/v1/transfers/${sent.body.transferId}/history`)).status).toBe(404);
    expect((await as('/v1/transfers')).body.data).toEqual([]);
    expect((await as(`/api/wallets/${walletId}`)).status).toBe(404);
    const spend = await as('/v1/assets/send', 'POST', valid());
    expect(spend).toMatchObject({ status: 404, body: { id: 'wallet_not_found' } });
    // the same idempotency key in another tenant is a different transfer namespace
    const own = await stack.call<{ transferId: string }>('GET', `/v1/transfers/${sent.body.transferId}`);
    expect(own.status).toBe(200);
  });

  it('keeps idempotency namespaces apart: tenant "x" + key "b-1" and tenant "x-b" + key "1" are two transfers', async () => {
    const base = `t${randomBytes(3).toString('hex')}`;
    const callers = [
      { tenant: base, key: 'b-1' },
      { tenant: `${base}-b`, key: '1' },
    ];
    const ids: string[] = [];
    for (const c of callers) {
      const key = `cfsk_${randomBytes(16).toString('hex')}`;
      await seedServerKey(stack.runtime.prisma, c.tenant, key);
      const auth = { authorization: `Bearer ${key}` };
      const w = await stack.call<{ walletId: string }>('POST', '/api/wallets', { userId: 'idem' }, auth);
      expect(w.status).toBe(201);
      // Unfunded: the transfer fails in preflight, which still writes its row and starts its workflow.
      const sent = await stack.call<{ id: string }>(
        'POST',
        '/v1/assets/send',
        { ...valid(), walletId: w.body.walletId },
        { ...auth, 'idempotency-key': c.key },
      );
      expect(sent.status, JSON.stringify(sent.body)).toBe(400);
      expect(sent.body.id).toBe('insufficient_funds');
      const rows = await stack.runtime.prisma.transfer.findMany({ where: { tenantId: c.tenant } });
      expect(rows).toHaveLength(1);
      ids.push(rows[0]!.workflowId);
    }
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('lists transfers with filters and cursor pagination', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await stack.call('POST', '/v1/assets/send', valid(), { 'idempotency-key': `page-${i}` });
      expect(r.status).toBe(200);
    }
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { data: { transferId: string; chain: string }[]; nextCursor: string | null };
      } = await stack.call('GET', `/v1/transfers?limit=2&chain=eip155:31337${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      for (const t of page.body.data) {
        expect(seen.has(t.transferId)).toBe(false);
        seen.add(t.transferId);
        expect(t.chain).toBe('anvil');
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(4);
    const bad = await stack.call<{ id: string }>('GET', '/v1/transfers?cursor=garbage');
    expect(bad).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
  });
});

describe('health and dev faucet', () => {
  it('reports healthy with database, Temporal, a worker and a signing worker', async () => {
    const res = await fetch(`${stack.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true }, signing: { ok: true } },
    });
  });

  it('refuses the faucet on a non-dev chain', async () => {
    const res = await stack.call<{ id: string }>('POST', '/v1/dev/faucet', {
      chain: 'ethereum',
      address: '0xdFd8302f44727A6348F702fF7B594f127dE3A902',
      amount: '1',
    });
    expect(res).toMatchObject({ status: 403, body: { id: 'faucet_unavailable' } });
  });
});
