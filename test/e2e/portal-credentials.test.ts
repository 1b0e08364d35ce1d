/**
 * Portal's credential model on the real API with a fake clock: Client Session Tokens (24 h sliding
 * expiry, 7-day cap, INVALID_API_KEY when expired), test client API keys (never expire), server-only
 * endpoints, hashing at rest, and cross-client / cross-tenant isolation (BOLA).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedServerKey } from '../../api/auth.js';
import { type PortalStack, startPortalStack } from './portal-stack.js';

const HOUR = 3_600_000;
let stack: PortalStack;

beforeAll(async () => {
  stack = await startPortalStack();
});
afterAll(async () => {
  await stack?.close();
});

async function newClient(): Promise<{ id: string; clientSessionToken: string }> {
  const res = await stack.call<{ id: string; clientSessionToken: string }>(
    stack.apiKey,
    'POST',
    '/api/v1/custodians/clients',
    {},
  );
  expect(res.status).toBe(200);
  expect(res.body.clientSessionToken).toMatch(/^cfcs_/);
  return res.body;
}

/** Any authenticated client endpoint: listing the client's own transfers. */
const use = (token: string) => stack.call<{ id?: string }>(token, 'GET', '/v1/transfers');

describe('Client Session Tokens', () => {
  it('slide to 24 h after each use, and expire after 24 h without use with 401 INVALID_API_KEY', async () => {
    const { clientSessionToken: cst } = await newClient();
    expect((await use(cst)).status).toBe(200);
    // 23 h later: still valid, and this use slides the expiry to 24 h from now.
    stack.clock.advance(23 * HOUR);
    expect((await use(cst)).status).toBe(200);
    // 46 h after issue (> 24 h after issue, < 24 h after the last use): valid thanks to the slide.
    stack.clock.advance(23 * HOUR);
    expect((await use(cst)).status).toBe(200);
    // 24 h without use: expired.
    stack.clock.advance(24 * HOUR + 1);
    const expired = await use(cst);
    expect(expired).toEqual({ status: 401, body: { id: 'INVALID_API_KEY', message: expect.any(String) } });
  });

  it('never refresh beyond 7 days from issue, even when used daily', async () => {
    const { clientSessionToken: cst } = await newClient();
    for (let day = 1; day <= 6; day++) {
      stack.clock.advance(23 * HOUR);
      expect((await use(cst)).status, `day ${day}`).toBe(200);
    }
    // 138 h after issue; used 0 h ago. The slide is capped at issue + 168 h.
    const row = await stack.runtime.prisma.clientSession.findFirstOrThrow({ where: { prefix: cst.slice(0, 12) } });
    expect(row.expiresAt.getTime()).toBe(row.hardExpiresAt.getTime() - 6 * HOUR);
    stack.clock.advance(23 * HOUR); // 161 h
    expect((await use(cst)).status).toBe(200);
    const capped = await stack.runtime.prisma.clientSession.findFirstOrThrow({ where: { id: row.id } });
    expect(capped.expiresAt.getTime()).toBe(capped.hardExpiresAt.getTime());
    stack.clock.advance(7 * HOUR); // 168 h: past the cap although last used 7 h ago
    expect(await use(cst)).toMatchObject({ status: 401, body: { id: 'INVALID_API_KEY' } });
  });

  it('a fresh CST from POST /clients/:clientId/session works after the old one expired', async () => {
    const client = await newClient();
    stack.clock.advance(25 * HOUR);
    expect((await use(client.clientSessionToken)).status).toBe(401);
    const fresh = await stack.call<{ clientSessionToken: string }>(
      stack.apiKey,
      'POST',
      `/api/v1/custodians/clients/${client.id}/session`,
      {},
    );
    expect(fresh.status).toBe(200);
    expect(fresh.body.clientSessionToken).not.toBe(client.clientSessionToken);
    expect((await use(fresh.body.clientSessionToken)).status).toBe(200);
  });

  it('are stored as SHA-256 hashes with a lookup prefix only', async () => {
    const { id, clientSessionToken: cst } = await newClient();
    const rows = await stack.runtime.prisma.clientSession.findMany({ where: { clientId: id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(cst);
    expect(cst.startsWith(rows[0]!.prefix)).toBe(true);
  });

  it('cannot call server-key endpoints', async () => {
    const client = await newClient();
    for (const [method, path] of [
      ['POST', '/api/v1/custodians/clients'],
      ['POST', `/api/v1/custodians/clients/${client.id}/session`],
      ['POST', `/api/v1/custodians/clients/${client.id}/test-api-keys`],
      ['POST', '/api/wallets'],
    ] as const) {
      const res = await stack.call<{ id: string }>(
        client.clientSessionToken,
        method,
        path,
        method === 'POST' && path === '/api/wallets' ? { userId: 'x' } : {},
      );
      expect(res, `${method} ${path}`).toMatchObject({ status: 403, body: { id: 'FORBIDDEN' } });
    }
    const noKey = await fetch(`${stack.url}/v1/generate`, { method: 'POST' });
    expect(noKey.status).toBe(401);
    expect((await use('cfcs_not-a-real-token-at-all')).body).toMatchObject({ id: 'INVALID_API_KEY' });
  });
});

describe('test client API keys', () => {
  it('are shown once, stored hashed, never expire, and act as their client', async () => {
    const client = await newClient();
    const created = await stack.call<{ id: string; clientId: string; clientApiKey: string }>(
      stack.apiKey,
      'POST',
      `/api/v1/custodians/clients/${client.id}/test-api-keys`,
      { label: 'dev phone' },
    );
    expect(created.status).toBe(201);
    expect(created.body.clientId).toBe(client.id);
    const key = created.body.clientApiKey;
    const row = await stack.runtime.prisma.apiKey.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row).toMatchObject({ kind: 'client_test', clientId: client.id });
    expect(row.hash).not.toContain(key);
    expect((await use(key)).status).toBe(200);
    stack.clock.advance(400 * 24 * HOUR);
    expect((await use(key)).status).toBe(200);
    // same permissions as a CST: client endpoints yes, server endpoints no
    expect((await stack.call(key, 'POST', '/api/v1/custodians/clients', {})).status).toBe(403);
  });
});

describe('isolation between clients and tenants', () => {
  it("a server key of another tenant cannot reach this tenant's clients", async () => {
    const client = await newClient();
    const otherKey = `cfsk_${randomBytes(16).toString('hex')}`;
    await seedServerKey(stack.runtime.prisma, `tenant-other-${randomBytes(4).toString('hex')}`, otherKey);
    for (const path of [
      `/api/v1/custodians/clients/${client.id}/session`,
      `/api/v1/custodians/clients/${client.id}/test-api-keys`,
    ]) {
      const res = await stack.call(otherKey, 'POST', path, {});
      expect(res, path).toMatchObject({ status: 404, body: { id: 'NOT_FOUND' } });
    }
    expect(await stack.call(otherKey, 'GET', `/api/v1/custodians/clients/${client.id}`)).toMatchObject({ status: 404 });
    expect(await stack.call(stack.apiKey, 'GET', `/api/v1/custodians/clients/${client.id}`)).toMatchObject({
      status: 200,
      body: { id: client.id, wallet: null },
    });
  });
});
