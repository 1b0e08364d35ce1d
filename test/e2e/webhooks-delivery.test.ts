/**
 * Webhook delivery against real HTTP receivers on loopback, with the real API, PostgreSQL and dispatcher.
 * Events come from the real outbox path (applyStatusPatch on transfer rows, wallet creation); signatures are
 * verified with the `standardwebhooks` reference library. The retry schedule is shortened (0, 300 ms ×3, 1 s, 2 s).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.js';
import { seedServerKey } from '../../api/auth.js';
import { loadConfig } from '../../config/env.js';
import { createClient, createTestClientKey } from '../../portal/credentials.js';
import { applyStatusPatch } from '../../storage/transfers.js';
import { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { WebhookEndpoints } from '../../webhooks/endpoints.js';
import { createWebhookDispatcher } from '../../worker.js';
import type { TransferStatus } from '../../workflows/shared.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { type ReceivedHook, startReceiver, verifyHook, type WebhookReceiver } from '../support/webhook-receiver.js';

let stack: TestStack;
let dispatcher: WebhookDispatcher;
let tenantId: string;
let walletId: string;
const receivers: WebhookReceiver[] = [];

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  secret: string;
  disabled: boolean;
  disabledReason: string | null;
}
interface Attempt {
  eventId: string;
  type: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  nextRetryAt: string | null;
  durationMs: number;
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function endpoint(url: string, events?: string[], call = stack.call): Promise<Endpoint> {
  const res = await call<Endpoint>('POST', '/v1/webhooks', { url, ...(events ? { events } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A transfer row of this tenant, moved through `statuses` by the same function the workflow's activities use. */
async function driveTransfer(statuses: TransferStatus[], t = tenantId, w = walletId): Promise<string> {
  const id = `tr_${randomUUID()}`;
  await stack.runtime.prisma.transfer.create({
    data: {
      id,
      tenantId: t,
      walletId: w,
      idempotencyKey: id,
      requestHash: 'h',
      workflowId: `wf-${id}`,
      chain: 'anvil',
      caip2: 'eip155:31337',
      fromAddress: '0x0000000000000000000000000000000000000001',
      toAddress: '0x0000000000000000000000000000000000000002',
      token: 'NATIVE',
      tokenDecimals: 18,
      amount: '1',
      rawAmount: '1000000000000000000',
      requiredConfirmations: 2,
    },
  });
  for (const status of statuses)
    await applyStatusPatch(stack.runtime.prisma, id, {
      status,
      ...(status === 'submitted' ? { transactionHash: `0x${randomBytes(32).toString('hex')}` } : {}),
      ...(status === 'confirmed' || status === 'finalized' ? { confirmations: status === 'confirmed' ? 1 : 2 } : {}),
    });
  return id;
}

async function attempts(endpointId: string, call = stack.call): Promise<Attempt[]> {
  const out: Attempt[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { data: Attempt[]; nextCursor: string | null } } = await call(
      'GET',
      `/v1/webhooks/${endpointId}/deliveries?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(res.status).toBe(200);
    out.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

interface AuditView {
  type: string;
  actor: { kind: string; id: string | null };
  details: Record<string, unknown>;
}

/** The tenant's webhook_endpoint_disabled audit events for one endpoint, from GET /v1/audit-events. */
async function disabledAudits(endpointId: string): Promise<AuditView[]> {
  const res = await stack.call<{ data: AuditView[] }>(
    'GET',
    '/v1/audit-events?type=webhook_endpoint_disabled&limit=100',
  );
  expect(res.status).toBe(200);
  return res.body.data.filter((e) => e.details.endpointId === endpointId);
}

const forTransfer = (hooks: ReceivedHook[], transferId: string) =>
  hooks.filter((h) => h.json.data.transferId === transferId);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startTestStack({
    env: {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0,300ms,300ms,300ms,1s,2s',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_ENDPOINT_CONCURRENCY: '4',
    },
  });
  tenantId = stack.env.DEV_TENANT_ID!;
  walletId = randomUUID();
  await stack.runtime.prisma.wallet.create({ data: { id: walletId, tenantId } });
  dispatcher = createWebhookDispatcher(stack.runtime, pino({ level: 'silent' }));
  dispatcher.start();
});
afterAll(async () => {
  await dispatcher?.stop();
  await Promise.all(receivers.map((r) => r.stop()));
  await stack?.close();
});

describe('webhook endpoints', () => {
  it('creates an endpoint with a whsec_ secret shown once, stored sealed; reads, updates, deletes', async () => {
    const r = await receiver();
    const created = await stack.call<Endpoint & { createdAt: string }>('POST', '/v1/webhooks', {
      url: r.url,
      events: ['transfer.finalized'],
      description: 'orders service',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created.body).toMatchObject({ url: r.url, events: ['transfer.finalized'], disabled: false });
    const row = await stack.runtime.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.secretCiphertext).not.toContain(created.body.secret.slice(6, 20));

    const got = await stack.call<Record<string, unknown>>('GET', `/v1/webhooks/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    const list = await stack.call<{ data: { id: string }[] }>('GET', '/v1/webhooks');
    expect(list.body.data.map((e) => e.id)).toContain(created.body.id);

    const patched = await stack.call<Endpoint>('PATCH', `/v1/webhooks/${created.body.id}`, {
      events: ['transfer.failed', 'transfer.finalized'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.events).toEqual(['transfer.failed', 'transfer.finalized']);

    expect((await stack.call('DELETE', `/v1/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await stack.call('GET', `/v1/webhooks/${created.body.id}`)).status).toBe(404);
  });

  it('bad input gets { id, message } and writes nothing', async () => {
    const before = await stack.runtime.prisma.webhookEndpoint.count({ where: { tenantId } });
    for (const body of [
      {},
      { url: 'http://127.0.0.1:1/x', events: ['transfer.nope'] },
      { url: 'http://127.0.0.1:1/x', extra: 1 },
      { url: 'not a url' },
    ]) {
      const res = await stack.call<{ id: string; message: string }>('POST', '/v1/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof res.body.id).toBe('string');
      expect(typeof res.body.message).toBe('string');
    }
    const replay = await stack.call<{ id: string }>('POST', '/v1/webhooks/we_missing/replay', { since: 'yesterday' });
    expect(replay.status).toBe(400);
    expect(await stack.runtime.prisma.webhookEndpoint.count({ where: { tenantId } })).toBe(before);
  });
});

describe('delivery', () => {
  it('every status change of a transfer arrives in order, signed per Standard Webhooks, with increasing sequence', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url);
    const transferId = await driveTransfer(['signed', 'submitted', 'confirmed', 'submitted', 'confirmed', 'finalized']);
    const hooks = forTransfer(await r.waitFor((all) => forTransfer(all, transferId).length >= 5), transferId);
    expect(hooks.map((h) => h.json.type)).toEqual([
      'transfer.submitted',
      'transfer.confirmed',
      'transfer.reorged',
      'transfer.confirmed',
      'transfer.finalized',
    ]);
    expect(hooks.map((h) => h.json.data.sequence)).toEqual([1, 2, 3, 4, 5]);
    for (const h of hooks) {
      const verified = verifyHook(ep.secret, h) as { data: { transferId: string } };
      expect(verified.data.transferId).toBe(transferId);
      expect(h.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    }
    // The payload is the REST view of the transfer at that moment, plus `sequence`.
    expect(hooks[4]!.json.data).toMatchObject({ transferId, status: 'finalized', confirmations: 2, chain: 'anvil' });
    const rest = await stack.call<Record<string, unknown>>('GET', `/v1/transfers/${transferId}`);
    expect(Object.keys(hooks[4]!.json.data).sort()).toEqual([...Object.keys(rest.body), 'sequence'].sort());
    // A forged or tampered delivery fails verification.
    expect(() =>
      verifyHook(ep.secret, { ...hooks[0]!, body: hooks[0]!.body.replace('submitted', 'finalized') }),
    ).toThrow();
    expect(() => verifyHook(`whsec_${randomBytes(32).toString('base64')}`, hooks[0]!)).toThrow();
  });

  it('the event row and the state change commit together: a failed transaction leaves neither', async () => {
    const transferId = await driveTransfer([]);
    await expect(
      stack.runtime.prisma.$transaction(async (tx) => {
        const { recordTransferTransition } = await import('../../webhooks/outbox.js');
        const updated = await tx.transfer.update({ where: { id: transferId }, data: { status: 'submitted' } });
        await recordTransferTransition(tx, 'pending', updated);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect((await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: transferId } })).status).toBe(
      'pending',
    );
    expect(await stack.runtime.prisma.webhookEvent.count({ where: { transferId } })).toBe(0);
    // Re-applying the same patch (an activity retry) is not a second event.
    await applyStatusPatch(stack.runtime.prisma, transferId, { status: 'submitted' });
    await applyStatusPatch(stack.runtime.prisma, transferId, { status: 'submitted' });
    expect(await stack.runtime.prisma.webhookEvent.count({ where: { transferId } })).toBe(1);
  });

  it('a receiver down for several retry steps gets everything afterwards, in order, nothing twice with different ids', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url);
    await r.stop(); // connection refused
    const a = await driveTransfer(['submitted', 'confirmed']);
    const b = await driveTransfer(['submitted', 'failed']);
    // Wait until the log shows at least three failed attempts for the first event.
    const deadline = Date.now() + 20_000;
    while ((await attempts(ep.id)).filter((x) => x.statusCode === null).length < 3 && Date.now() < deadline)
      await sleep(100);
    const failed = await attempts(ep.id);
    expect(failed.filter((x) => x.error).length).toBeGreaterThanOrEqual(3);
    expect(failed.some((x) => x.nextRetryAt !== null)).toBe(true);
    await r.start();
    await r.waitFor(() => r.accepted().length >= 4);
    await sleep(500);
    const got = r.accepted();
    expect(forTransfer(got, a).map((h) => h.json.type)).toEqual(['transfer.submitted', 'transfer.confirmed']);
    expect(forTransfer(got, b).map((h) => h.json.type)).toEqual(['transfer.submitted', 'transfer.failed']);
    const ids = new Set(got.map((h) => h.id));
    expect(ids.size).toBe(4);
    const events = await stack.runtime.prisma.webhookEvent.findMany({ where: { transferId: { in: [a, b] } } });
    expect(new Set(events.map((e) => e.id))).toEqual(ids);
    for (const h of got) verifyHook(ep.secret, h);
  });

  it('429 with Retry-After is honoured (longer than the schedule step)', async () => {
    const r = await receiver();
    r.reply = (_h, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
    const ep = await endpoint(r.url, ['transfer.submitted']);
    await driveTransfer(['submitted']);
    await r.waitFor((all) => all.length >= 2, 15_000);
    expect(r.received[1]!.id).toBe(r.received[0]!.id);
    expect(r.received[1]!.at - r.received[0]!.at).toBeGreaterThanOrEqual(1900);
    // The receiver answers before the dispatcher writes the log: wait for the write.
    await vi.waitFor(
      async () => {
        const log = await attempts(ep.id);
        expect(log.map((x) => x.statusCode).sort()).toEqual([200, 429]);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('an attempt past WEBHOOK_TIMEOUT_MS is logged as a timeout and retried with the same webhook-id', async () => {
    const r = await receiver();
    r.reply = (_h, i) => (i === 0 ? 'hang' : { status: 200 });
    const ep = await endpoint(r.url, ['transfer.submitted']);
    await driveTransfer(['submitted']);
    await r.waitFor(() => r.accepted().length >= 1, 15_000);
    expect(r.received).toHaveLength(2);
    expect(r.received[1]!.id).toBe(r.received[0]!.id);
    expect(r.received[1]!.body).toBe(r.received[0]!.body);
    verifyHook(ep.secret, r.received[1]!);
    let log: Attempt[] = [];
    await vi.waitFor(
      async () => {
        log = (await attempts(ep.id)).sort((a, b) => a.attempt - b.attempt);
        expect(log.map((x) => x.attempt)).toEqual([1, 2]);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(log[0]).toMatchObject({ eventId: r.received[0]!.id, statusCode: null, error: 'timed out after 2000 ms' });
    expect(log[0]!.nextRetryAt).not.toBeNull();
    expect(log[1]).toMatchObject({ eventId: r.received[0]!.id, statusCode: 200, error: null, nextRetryAt: null });
  });

  it('a receiver answering 400 gets no retries', async () => {
    const r = await receiver();
    r.reply = () => ({ status: 400 });
    const ep = await endpoint(r.url, ['transfer.submitted']);
    await driveTransfer(['submitted']);
    await r.waitFor((all) => all.length >= 1);
    await sleep(1500); // five schedule steps
    expect(r.received).toHaveLength(1);
    const log = await attempts(ep.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ statusCode: 400, nextRetryAt: null });
    const got = await stack.call<Endpoint>('GET', `/v1/webhooks/${ep.id}`);
    expect(got.body.disabled).toBe(false);
  });

  it('410 Gone disables the endpoint; later events are not sent to it', async () => {
    const r = await receiver();
    r.reply = () => ({ status: 410 });
    const ep = await endpoint(r.url, ['transfer.submitted']);
    await driveTransfer(['submitted']);
    await r.waitFor((all) => all.length >= 1);
    await vi.waitFor(
      async () => {
        const got = await stack.call<Endpoint>('GET', `/v1/webhooks/${ep.id}`);
        expect(got.body).toMatchObject({ disabled: true, disabledReason: 'gone' });
      },
      { timeout: 10_000, interval: 100 },
    );
    const audits = await disabledAudits(ep.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      type: 'webhook_endpoint_disabled',
      actor: { kind: 'system', id: null },
      details: { endpointId: ep.id, reason: 'gone', statusCode: 410, eventId: r.received[0]!.id },
    });
    await driveTransfer(['submitted']);
    await sleep(1000);
    expect(r.received).toHaveLength(1);
  });

  it('a retried delivery is given up after the schedule; the log shows each attempt and its next retry', async () => {
    const r = await receiver();
    r.reply = () => ({ status: 503 });
    const ep = await endpoint(r.url, ['transfer.submitted']);
    await driveTransfer(['submitted']);
    await r.waitFor((all) => all.length >= 6, 15_000);
    let log: Attempt[] = [];
    await vi.waitFor(
      async () => {
        log = await attempts(ep.id);
        expect(log.map((x) => x.attempt).sort()).toEqual([1, 2, 3, 4, 5, 6]);
      },
      { timeout: 10_000, interval: 100 },
    );
    await sleep(800);
    expect(r.received).toHaveLength(6); // the schedule has six steps
    expect(log.filter((x) => x.nextRetryAt === null).map((x) => x.attempt)).toEqual([6]);
    expect(log.every((x) => x.statusCode === 503 && x.error === 'HTTP 503')).toBe(true);
  });

  it('an endpoint that has failed every attempt for 5 days is disabled and says why', async () => {
    const r = await receiver();
    r.reply = () => ({ status: 503 });
    const ep = await endpoint(r.url, ['transfer.submitted']);
    // Its failures began just over five days ago (WEBHOOK_DISABLE_AFTER_HOURS = 120).
    await stack.runtime.prisma.webhookEndpoint.update({
      where: { id: ep.id },
      data: { failingSince: new Date(Date.now() - 121 * 3_600_000) },
    });
    await driveTransfer(['submitted']);
    await r.waitFor((all) => all.length >= 1);
    await vi.waitFor(
      async () => {
        const got = await stack.call<Endpoint>('GET', `/v1/webhooks/${ep.id}`);
        expect(got.body).toMatchObject({ disabled: true, disabledReason: 'failing' });
      },
      { timeout: 10_000, interval: 100 },
    );
    const audits = await disabledAudits(ep.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      type: 'webhook_endpoint_disabled',
      actor: { kind: 'system', id: null },
      details: { endpointId: ep.id, reason: 'failing', lastError: 'HTTP 503', eventId: r.received[0]!.id },
    });
    expect(Date.parse(audits[0]!.details.failingSince as string)).toBeLessThan(Date.now() - 120 * 3_600_000);
    await sleep(700); // past the next schedule step: no more attempts to a disabled endpoint
    expect(r.received).toHaveLength(1);
    // Enabling it again (PATCH) clears the failure window.
    const enabled = await stack.call<Endpoint & { failingSince: string | null }>('PATCH', `/v1/webhooks/${ep.id}`, {
      disabled: false,
    });
    expect(enabled.body).toMatchObject({ disabled: false, disabledReason: null, failingSince: null });
  });

  it('redirects are not followed', async () => {
    const target = await receiver();
    const r = await receiver();
    r.reply = () => ({ status: 302, headers: { location: target.url } });
    const ep = await endpoint(r.url, ['transfer.submitted']);
    await driveTransfer(['submitted']);
    await r.waitFor((all) => all.length >= 2);
    expect(target.received).toHaveLength(0);
    await vi.waitFor(async () => expect((await attempts(ep.id))[0]?.statusCode).toBe(302), {
      timeout: 10_000,
      interval: 100,
    });
  });

  it('a slow consumer does not delay another endpoint', async () => {
    const slow = await receiver();
    slow.reply = () => 'hang';
    const fast = await receiver();
    await endpoint(slow.url, ['transfer.confirmed']);
    await endpoint(fast.url, ['transfer.confirmed']);
    const ids = await Promise.all(Array.from({ length: 8 }, () => driveTransfer(['submitted', 'confirmed'])));
    await fast.waitFor((all) => ids.every((id) => forTransfer(all, id).length === 1), 5_000);
    expect(slow.received.length).toBeLessThanOrEqual(4); // WEBHOOK_ENDPOINT_CONCURRENCY (4 here) slots held, no more
  });
});

describe('secret rotation, test events, replay and redelivery', () => {
  it('after rotate-secret both the old and the new secret verify, each with the reference library', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['transfer.submitted']);
    const rotated = await stack.call<{ secret: string; previousSecretExpiresAt: string }>(
      'POST',
      `/v1/webhooks/${ep.id}/rotate-secret`,
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(ep.secret);
    expect(new Date(rotated.body.previousSecretExpiresAt).getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    await driveTransfer(['submitted']);
    const [hook] = await r.waitFor((all) => all.length >= 1);
    expect(hook!.signature.split(' ')).toHaveLength(2);
    verifyHook(ep.secret, hook!);
    verifyHook(rotated.body.secret, hook!);
    // After the overlap only the new secret signs.
    await stack.runtime.prisma.webhookEndpoint.update({
      where: { id: ep.id },
      data: { previousSecretExpiresAt: new Date(Date.now() - 1000) },
    });
    await driveTransfer(['submitted']);
    const later = (await r.waitFor((all) => all.length >= 2))[1]!;
    expect(later.signature.split(' ')).toHaveLength(1);
    verifyHook(rotated.body.secret, later);
    expect(() => verifyHook(ep.secret, later)).toThrow();
  });

  it('POST /test sends a webhook.test event to that endpoint only', async () => {
    const r = await receiver();
    const other = await receiver();
    const ep = await endpoint(r.url, ['transfer.finalized']);
    await endpoint(other.url);
    const res = await stack.call<{ eventId: string }>('POST', `/v1/webhooks/${ep.id}/test`);
    expect(res.status).toBe(202);
    const [hook] = await r.waitFor((all) => all.length >= 1);
    expect(hook!.json.type).toBe('webhook.test');
    expect(hook!.id).toBe(res.body.eventId);
    verifyHook(ep.secret, hook!);
    await sleep(300);
    expect(other.received.filter((h) => h.json.type === 'webhook.test')).toHaveLength(0);
  });

  it('replay re-sends exactly the stored events of the window (same ids, same bodies); redeliver re-sends one', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['transfer.submitted', 'transfer.finalized']);
    const since = new Date();
    const a = await driveTransfer(['submitted', 'confirmed', 'finalized']);
    const b = await driveTransfer(['submitted']);
    const until = new Date();
    await driveTransfer(['submitted']); // after the window
    await r.waitFor((all) => all.length >= 4);
    await sleep(300);
    const first = r.received.filter((h) => [a, b].includes(h.json.data.transferId as string));
    expect(first).toHaveLength(3);
    const before = r.received.length;

    const replay = await stack.call<{ queued: number }>('POST', `/v1/webhooks/${ep.id}/replay`, {
      since: since.toISOString(),
      until: until.toISOString(),
    });
    expect(replay.status).toBe(202);
    expect(replay.body.queued).toBe(3);
    await r.waitFor((all) => all.length >= before + 3);
    await sleep(300);
    const again = r.received.slice(before);
    expect(again).toHaveLength(3);
    expect(new Map(again.map((h) => [h.id, h.body]))).toEqual(new Map(first.map((h) => [h.id, h.body])));

    const typed = await stack.call<{ queued: number }>('POST', `/v1/webhooks/${ep.id}/replay`, {
      since: since.toISOString(),
      until: until.toISOString(),
      types: ['transfer.finalized'],
    });
    expect(typed.body.queued).toBe(1);
    await r.waitFor((all) => all.length >= before + 4);

    const eventId = first[0]!.id;
    const re = await stack.call<{ queued: number }>('POST', `/v1/events/${eventId}/redeliver`, {});
    expect(re.status).toBe(202);
    await r.waitFor((all) => all.length >= before + 5);
    expect(r.received.at(-1)!.id).toBe(eventId);
    expect(r.received.at(-1)!.body).toBe(first[0]!.body);
  });

  it('wallet.created is an event too, written with the wallet', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['wallet.created']);
    const w = await stack.call<{ walletId: string }>('POST', '/api/wallets', { userId: `u-${randomUUID()}` });
    expect(w.status).toBe(201);
    const [hook] = await r.waitFor((all) => all.length >= 1);
    verifyHook(ep.secret, hook!);
    expect(hook!.json).toMatchObject({ type: 'wallet.created', data: { walletId: w.body.walletId, sequence: 1 } });
    expect(Object.keys(hook!.json.data.addresses as object).length).toBeGreaterThan(0);
  });
});

describe('retention', () => {
  it('deletes events (with their deliveries and log) older than the retention period, unless still pending', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['transfer.submitted']);
    const old = await driveTransfer(['submitted']);
    await r.waitFor((all) => forTransfer(all, old).length >= 1);
    // Endpoints of earlier tests get this event too (some retry it for a few seconds): wait until none is pending.
    const deadline = Date.now() + 20_000;
    while (
      (await stack.runtime.prisma.webhookDelivery.count({ where: { event: { transferId: old }, status: 'pending' } })) >
        0 &&
      Date.now() < deadline
    )
      await sleep(200);
    const stuck = `evt_${randomBytes(8).toString('hex')}`;
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    await stack.runtime.prisma.webhookEvent.updateMany({ where: { transferId: old }, data: { createdAt: longAgo } });
    await stack.runtime.prisma.webhookEvent.create({
      data: { id: stuck, tenantId, type: 'transfer.submitted', sequence: 1, payload: {}, createdAt: longAgo },
    });
    await stack.runtime.prisma.webhookDelivery.create({
      data: {
        id: `dlv_${randomBytes(8).toString('hex')}`,
        tenantId,
        endpointId: ep.id,
        eventId: stuck,
        sequence: 1,
        nextAttemptAt: new Date(Date.now() + 3_600_000),
      },
    });
    expect(await dispatcher.cleanup()).toBeGreaterThanOrEqual(1);
    expect(await stack.runtime.prisma.webhookEvent.count({ where: { transferId: old } })).toBe(0);
    expect(await stack.runtime.prisma.webhookAttempt.count({ where: { endpointId: ep.id } })).toBe(0);
    expect(await stack.runtime.prisma.webhookEvent.count({ where: { id: stuck } })).toBe(1);
  });
});

describe('tenant isolation', () => {
  it('another tenant cannot see, change, replay or read the log of an endpoint, nor redeliver or receive its events', async () => {
    const otherKey = `cfsk_${randomBytes(16).toString('hex')}`;
    const otherTenant = `tenant-${randomUUID()}`;
    await seedServerKey(stack.runtime.prisma, otherTenant, otherKey);
    const asOther: TestStack['call'] = (method, path, body) =>
      stack.call(method, path, body, { authorization: `Bearer ${otherKey}` });

    const mine = await receiver();
    const theirs = await receiver();
    const ep = await endpoint(mine.url);
    const theirEp = await endpoint(theirs.url, undefined, asOther);
    const transferId = await driveTransfer(['submitted']);
    const [hook] = await mine.waitFor((all) => forTransfer(all, transferId).length >= 1);

    expect((await asOther('GET', `/v1/webhooks/${ep.id}`)).status).toBe(404);
    expect((await asOther('PATCH', `/v1/webhooks/${ep.id}`, { url: theirs.url })).status).toBe(404);
    expect((await asOther('DELETE', `/v1/webhooks/${ep.id}`)).status).toBe(404);
    expect((await asOther('POST', `/v1/webhooks/${ep.id}/rotate-secret`)).status).toBe(404);
    expect((await asOther('POST', `/v1/webhooks/${ep.id}/test`)).status).toBe(404);
    expect((await asOther('GET', `/v1/webhooks/${ep.id}/deliveries`)).status).toBe(404);
    expect((await asOther('POST', `/v1/webhooks/${ep.id}/replay`, { since: new Date(0).toISOString() })).status).toBe(
      404,
    );
    expect((await asOther('POST', `/v1/events/${hook!.id}/redeliver`, {})).status).toBe(404);
    expect((await asOther('POST', `/v1/events/${hook!.id}/redeliver`, { endpointId: theirEp.id })).status).toBe(404);
    const list = await asOther<{ data: { id: string }[] }>('GET', '/v1/webhooks');
    expect(list.body.data.map((e) => e.id)).toEqual([theirEp.id]);
    // Replaying everything on their endpoint sends none of our events.
    const replay = await asOther<{ queued: number }>('POST', `/v1/webhooks/${theirEp.id}/replay`, {
      since: new Date(0).toISOString(),
    });
    expect(replay.body.queued).toBe(0);
    await sleep(500);
    expect(theirs.received).toHaveLength(0);
    expect((await stack.call('GET', `/v1/webhooks/${ep.id}`)).status).toBe(200);
  });
});

describe('server credentials only', () => {
  it('client credentials of the same tenant (session token, test client key) get 403 on every webhook route', async () => {
    const client = await createClient(stack.runtime.prisma, tenantId, () => new Date());
    const testKey = await createTestClientKey(stack.runtime.prisma, tenantId, client.id);
    const r = await receiver();
    const ep = await endpoint(r.url);
    for (const token of [client.clientSessionToken, testKey.clientApiKey]) {
      const as: TestStack['call'] = (method, path, body) =>
        stack.call(method, path, body, { authorization: `Bearer ${token}` });
      for (const [method, path, body] of [
        ['POST', '/v1/webhooks', { url: r.url }],
        ['GET', '/v1/webhooks', undefined],
        ['GET', `/v1/webhooks/${ep.id}`, undefined],
        ['PATCH', `/v1/webhooks/${ep.id}`, { url: r.url }],
        ['DELETE', `/v1/webhooks/${ep.id}`, undefined],
        ['POST', `/v1/webhooks/${ep.id}/rotate-secret`, undefined],
        ['GET', `/v1/webhooks/${ep.id}/deliveries`, undefined],
        ['POST', `/v1/webhooks/${ep.id}/test`, undefined],
        ['POST', `/v1/webhooks/${ep.id}/replay`, { since: new Date(0).toISOString() }],
        ['POST', `/v1/events/evt_x/redeliver`, {}],
      ] as const) {
        const res = await as<{ id: string }>(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.id).toBe('FORBIDDEN');
      }
    }
    expect((await stack.call('GET', `/v1/webhooks/${ep.id}`)).status).toBe(200);
    // None of those requests sent anything to the endpoint (no test event, no replay).
    await sleep(300);
    expect(r.received.filter((h) => h.json.type === 'webhook.test')).toHaveLength(0);
  });
});

describe('SSRF guard', () => {
  let strictUrl: string;
  let server: Server;
  beforeAll(async () => {
    const config = loadConfig({ ...process.env, ...stack.env, WEBHOOK_ALLOW_PRIVATE: 'false' });
    const strict = new WebhookEndpoints(stack.runtime.prisma, stack.runtime.webhookSecrets, {
      ...stack.runtime.webhookOptions,
      allowPrivate: false,
    });
    const app = createApp({
      ...stack.runtime,
      temporal: undefined as never,
      config,
      logger: pino({ level: 'silent' }),
      webhooks: strict,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    strictUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('refuses non-https and loopback / private / link-local / mapped addresses with 400 webhook_url_forbidden', async () => {
    const post = async (url: string) => {
      const res = await fetch(`${strictUrl}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      return { status: res.status, body: (await res.json()) as { id: string; message: string } };
    };
    const before = await stack.runtime.prisma.webhookEndpoint.count({ where: { tenantId } });
    for (const url of [
      'http://93.184.216.34/hook', // plain http
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://2130706433/hook', // 127.0.0.1 in decimal
      'https://0x7f.1/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook', // 169.254.169.254 mapped
      'https://169.254.169.254/latest/meta-data',
      'https://10.1.2.3/hook',
      'https://172.16.0.1/hook',
      'https://192.168.1.1/hook',
      'https://100.64.0.1/hook',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://0.0.0.0/hook',
      'https://user:pw@93.184.216.34/hook',
      'https://does-not-resolve.invalid/hook',
    ]) {
      const res = await post(url);
      expect(res.status, url).toBe(400);
      expect(res.body.id, url).toBe('webhook_url_forbidden');
    }
    expect(await stack.runtime.prisma.webhookEndpoint.count({ where: { tenantId } })).toBe(before);
    // A public https address is accepted (no request is made when saving).
    const ok = await post('https://93.184.216.34/hook');
    expect(ok.status).toBe(201);
  });

  it('PATCH to a forbidden URL gets 400 webhook_url_forbidden and changes nothing', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${strictUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const created = await call('POST', '/v1/webhooks', {
      url: 'https://93.184.216.34/hook',
      events: ['transfer.failed'],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const before = await stack.runtime.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.1/hook',
      'http://93.184.216.34/x',
    ]) {
      const res = await call('PATCH', `/v1/webhooks/${id}`, { url, events: ['transfer.finalized'] });
      expect(res.status, url).toBe(400);
      expect(res.body.id, url).toBe('webhook_url_forbidden');
      expect(typeof res.body.message).toBe('string');
    }
    expect(await stack.runtime.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } })).toEqual(before);
    const got = await call('GET', `/v1/webhooks/${id}`);
    expect(got.body).toMatchObject({ url: 'https://93.184.216.34/hook', events: ['transfer.failed'] });
  });

  it('checks the address again at delivery time: a loopback URL is never called by a production dispatcher', async () => {
    await dispatcher.stop(); // only the strict dispatcher below may claim
    try {
      const r = await receiver();
      const ep = await endpoint(r.url, ['transfer.submitted']);
      await driveTransfer(['submitted']);
      const strict = new WebhookDispatcher({
        prisma: stack.runtime.prisma,
        secrets: stack.runtime.webhookSecrets,
        options: { ...stack.runtime.webhookOptions, allowPrivate: false },
      });
      strict.start();
      const deadline = Date.now() + 10_000;
      while ((await attempts(ep.id)).length === 0 && Date.now() < deadline) await sleep(50);
      await strict.stop();
      const log = await attempts(ep.id);
      expect(log[0]?.error).toMatch(/^webhook_url_forbidden/);
      expect(r.received).toHaveLength(0);
    } finally {
      dispatcher.start();
    }
  });
});

describe('npm run webhooks:listen', () => {
  it('registers itself, verifies each delivery with standardwebhooks, prints one line per event, unregisters on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/webhooks-listen.ts'], {
      env: { ...process.env, CHAINFLOW_API_URL: stack.url, CHAINFLOW_API_KEY: stack.apiKey },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    try {
      const deadline = Date.now() + 30_000;
      while (!out.includes('listening on') && Date.now() < deadline) await sleep(100);
      const endpointId = /as endpoint (\S+)/.exec(out)?.[1];
      expect(endpointId).toBeDefined();
      const transferId = await driveTransfer(['submitted', 'confirmed', 'finalized']);
      while (!out.includes(`transfer.finalized`) && Date.now() < deadline) await sleep(100);
      const lines = out.split('\n').filter((l) => l.includes(transferId));
      expect(lines.map((l) => /(transfer\.\w+)/.exec(l)?.[1])).toEqual([
        'transfer.submitted',
        'transfer.confirmed',
        'transfer.finalized',
      ]);
      expect(out).not.toContain('REJECTED');
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      expect((await stack.call('GET', `/v1/webhooks/${endpointId}`)).status).toBe(404);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
