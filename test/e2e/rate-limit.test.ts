/**
 * Rate limits through the real API (Portal test stack): a credential over its limit gets 429 rate_limited with
 * Retry-After while another credential (another tenant) is unaffected, and its tenant's audit log has one
 * `rate_limited` event; the stricter budget of expensive routes leaves cheap reads alone; the per-IP limit applies
 * before authentication (guessed keys count) and not to another address; and /health answers in under 100 ms
 * while 20 backups (MPC re-sharing) are sent at once: the expensive budget admits two, the rest get 429 at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { seedServerKey } from '../../api/auth.js';
import type { RateLimits } from '../../api/rate-limit.js';
import { loadConfig } from '../../config/env.js';
import { type PortalStack, startPortalStack } from './portal-stack.js';

let stack: PortalStack;
let otherTenantKey: string;

/** An app on the stack's runtime with its own limits (each app counts on its own). */
async function appWith(
  limits: Partial<RateLimits>,
  trustProxy?: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp({
    ...(trustProxy ? { trustProxy } : {}),
    ...stack.runtime,
    temporal: stack.temporal,
    config: loadConfig({ ...process.env, MASTER_KEY: stack.masterKey }),
    logger: pino({ level: 'silent' }),
    rateLimits: { windowMs: 60_000, perIp: 0, perCredential: 0, expensivePerCredential: 0, ...limits },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { id?: string; message?: string };
}

/** One request from `localAddress` (loopback has every 127/8 address: another client IP). */
function call(
  url: string,
  method: string,
  path: string,
  key?: string,
  localAddress = '127.0.0.1',
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      {
        method,
        localAddress,
        headers: {
          'content-type': 'application/json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...extraHeaders,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(retry) ? retry[0] : retry,
            body: JSON.parse(text || '{}'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

function expectLimited(a: Answer): void {
  expect(a.status).toBe(429);
  expect(a.body.id).toBe('rate_limited');
  expect(a.body.message).toMatch(/too many requests/);
  expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(a.retryAfter)).toBeLessThanOrEqual(60);
}

const rateLimitedEvents = async (key: string) =>
  (
    await stack.call<{ data: { type: string; actor: { kind: string }; details: Record<string, unknown> }[] }>(
      key,
      'GET',
      '/v1/audit-events?type=rate_limited&limit=100',
    )
  ).body.data;

beforeAll(async () => {
  stack = await startPortalStack({
    rateLimits: { windowMs: 60_000, perIp: 0, perCredential: 1000, expensivePerCredential: 3 },
  });
  otherTenantKey = `cfsk_${randomBytes(16).toString('hex')}`;
  await seedServerKey(stack.runtime.prisma, `tenant-other-${randomUUID()}`, otherTenantKey);
});
afterAll(async () => {
  await stack?.close();
});

describe('per credential', () => {
  it('a credential over its limit gets 429 + Retry-After; another credential is unaffected; audited once', async () => {
    const app = await appWith({ perCredential: 3 });
    try {
      for (let i = 0; i < 3; i++) expect((await call(app.url, 'GET', '/v1/transfers', stack.apiKey)).status).toBe(200);
      const limited = await call(app.url, 'GET', '/v1/transfers', stack.apiKey);
      expectLimited(limited);
      expectLimited(await call(app.url, 'GET', '/v1/transfers', stack.apiKey));
      // Another tenant's key has its own budget.
      for (let i = 0; i < 3; i++)
        expect((await call(app.url, 'GET', '/v1/transfers', otherTenantKey)).status).toBe(200);
    } finally {
      await app.close();
    }
    await expect.poll(async () => (await rateLimitedEvents(stack.apiKey)).length).toBe(1);
    const [event] = await rateLimitedEvents(stack.apiKey);
    expect(event).toMatchObject({ actor: { kind: 'server' }, details: { scope: 'credential', path: '/v1/transfers' } });
    expect(await rateLimitedEvents(otherTenantKey)).toEqual([]);
  });

  it('expensive routes have a stricter budget of their own; cheap reads of the same credential still pass', async () => {
    const app = await appWith({ perCredential: 100, expensivePerCredential: 2 });
    try {
      // An invalid send is refused by validation, but it was an expensive request all the same.
      for (let i = 0; i < 2; i++)
        expect((await call(app.url, 'POST', '/v1/assets/send', otherTenantKey)).status).toBe(400);
      const limited = await call(app.url, 'POST', '/v1/assets/send', otherTenantKey);
      expectLimited(limited);
      expect(limited.body.message).toMatch(/of this kind/);
      expectLimited(await call(app.url, 'POST', '/api/wallets', otherTenantKey));
      expect((await call(app.url, 'GET', '/v1/transfers', otherTenantKey)).status).toBe(200);
      expect((await call(app.url, 'POST', '/v1/assets/send', stack.apiKey)).status).toBe(400);
    } finally {
      await app.close();
    }
    await expect
      .poll(async () => (await rateLimitedEvents(otherTenantKey)).map((e) => e.details.scope))
      .toEqual(['expensive']);
  });
});

describe('per IP', () => {
  it('counts every request from an address before authentication, guessed keys included; not another address', async () => {
    const app = await appWith({ perIp: 4 });
    try {
      expect((await call(app.url, 'GET', '/v1/transfers')).status).toBe(401);
      for (let i = 0; i < 2; i++)
        expect((await call(app.url, 'GET', '/v1/transfers', `cfsk_guess_${randomUUID()}`)).status).toBe(401);
      expect((await call(app.url, 'GET', '/v1/transfers', stack.apiKey)).status).toBe(200);
      expectLimited(await call(app.url, 'GET', '/v1/transfers', stack.apiKey));
      expectLimited(await call(app.url, 'GET', '/v1/transfers', `cfsk_guess_${randomUUID()}`));
      expect((await call(app.url, 'GET', '/v1/transfers', stack.apiKey, '127.0.0.2')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('per IP behind a proxy (TRUST_PROXY)', () => {
  const fwd = (ip: string) => ({ 'x-forwarded-for': ip });

  it('without TRUST_PROXY a client cannot escape its limit by sending X-Forwarded-For', async () => {
    const app = await appWith({ perIp: 2 });
    try {
      expect((await call(app.url, 'GET', '/v1/transfers', stack.apiKey, '127.0.0.1', fwd('203.0.113.1'))).status).toBe(
        200,
      );
      expect((await call(app.url, 'GET', '/v1/transfers', stack.apiKey, '127.0.0.1', fwd('203.0.113.2'))).status).toBe(
        200,
      );
      expectLimited(await call(app.url, 'GET', '/v1/transfers', stack.apiKey, '127.0.0.1', fwd('203.0.113.3')));
    } finally {
      await app.close();
    }
  });

  it('with TRUST_PROXY=loopback each forwarded client has its own budget', async () => {
    const app = await appWith({ perIp: 2 }, 'loopback');
    try {
      for (let i = 0; i < 2; i++)
        expect(
          (await call(app.url, 'GET', '/v1/transfers', stack.apiKey, '127.0.0.1', fwd('203.0.113.10'))).status,
        ).toBe(200);
      expectLimited(await call(app.url, 'GET', '/v1/transfers', stack.apiKey, '127.0.0.1', fwd('203.0.113.10')));
      expect((await call(app.url, 'GET', '/v1/transfers', stack.apiKey, '127.0.0.1', fwd('203.0.113.11'))).status).toBe(
        200,
      );
    } finally {
      await app.close();
    }
  });
});

describe('/health under load', () => {
  it('answers in under 100 ms while 20 concurrent /v1/backup calls run', { timeout: 120_000 }, async () => {
    const c = await stack.call<{ id: string; clientSessionToken: string }>(
      stack.apiKey,
      'POST',
      '/api/v1/custodians/clients',
      {},
    );
    const token = c.body.clientSessionToken;
    const gen = await stack.call<Record<string, { share: string; id: string }>>(token, 'POST', '/v1/generate', {});
    expect(gen.status).toBe(200);
    const confirmed = await stack.call(token, 'PATCH', '/api/v3/clients/me/signing-share-pairs', {
      status: 'STORED_CLIENT',
      signingSharePairIds: [gen.body.SECP256K1!.id, gen.body.ED25519!.id],
    });
    expect(confirmed.status).toBe(204);

    expect((await fetch(`${stack.url}/health`)).status).toBe(200); // first call: connections warm up
    let settled = 0;
    const backups = Array.from({ length: 20 }, () =>
      stack
        .call<{ id?: string }>(token, 'POST', '/v1/backup', { generateResponse: JSON.stringify(gen.body) })
        .finally(() => {
          settled++;
        }),
    );
    // The refusals come back first (this process also sends the 20 requests and answers them); from then on the two
    // admitted backups re-share for seconds, and /health is timed while they run.
    await expect.poll(() => settled, { timeout: 10_000 }).toBeGreaterThanOrEqual(18);
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const health = await fetch(`${stack.url}/health`);
      timings.push(performance.now() - started);
      expect(health.status).toBe(200);
    }
    expect(settled).toBeLessThan(20);
    const answers = await Promise.all(backups);
    // The expensive budget (3 per window here; generate spent one) admits two backups; the rest are refused at once.
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 429 && a.body.id === 'rate_limited')).toHaveLength(18);
    for (const ms of timings) expect(ms).toBeLessThan(100);
  });
});
