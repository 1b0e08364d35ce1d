/**
 * The contract: every response this file receives from a real stack (API, worker, PostgreSQL, Temporal, anvil)
 * validates against GET /openapi.json (startTestStack({ contract: true }) checks each one), across the main
 * routes, both credentials and the error paths; then GET /metrics shows the traffic and the transfer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../api/openapi/document.js';
import { assertMatchesContract } from '../support/contract.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

let stack: TestStack;
let walletId: string;
let address: string;
let transferId: string;
let cst: string;

const to = '0xdFd8302f44727A6348F702fF7B594f127dE3A902';

beforeAll(async () => {
  stack = await startTestStack({ contract: true, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await stack?.close();
});

describe('the document is served', () => {
  it('GET /openapi.json is the built document, without credentials', async () => {
    const res = await fetch(`${stack.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('GET /docs serves the interactive reference over it', async () => {
    const res = await fetch(`${stack.url}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('/openapi.json');
  });
});

describe('server API key', () => {
  it('wallet, faucet, send to finality, read back', async () => {
    const w = await stack.call<{ walletId: string; address: string }>('POST', '/api/wallets', { userId: 'oa-user' });
    expect(w.status).toBe(201);
    ({ walletId, address } = w.body);
    expect((await stack.call('GET', `/api/wallets/${walletId}`)).status).toBe(200);
    expect((await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address, amount: '1' })).status).toBe(200);
    const sent = await stack.call<{ transferId: string }>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to, token: 'NATIVE', amount: '0.001', walletId },
      { 'idempotency-key': 'oa-send-1' },
    );
    expect([200, 202]).toContain(sent.status);
    transferId = sent.body.transferId;
    await waitForTransfer(stack, transferId);
    expect((await stack.call('GET', `/v1/transfers/${transferId}`)).status).toBe(200);
    expect((await stack.call('GET', '/v1/transfers?limit=5')).status).toBe(200);
    expect((await stack.call('GET', `/v1/transfers/${transferId}/history`)).status).toBe(200);
    expect((await stack.call('POST', `/v1/transfers/${transferId}/speed-up`, {})).status).toBe(409);
    const signed = await stack.call('POST', `/api/wallets/${walletId}/sign`, { message: 'hello' });
    expect(signed.status).toBe(200);
    expect((await stack.call('GET', '/v1/audit-events?limit=10')).status).toBe(200);
    expect((await stack.call('POST', `/v1/wallets/${walletId}/unlock`, { curve: 'secp256k1' })).status).toBe(200);
  });

  it('webhook endpoints: create, list, update, test, replay, deliveries, rotate, delete', async () => {
    const ep = await stack.call<{ id: string }>('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hook' });
    expect(ep.status).toBe(201);
    const id = ep.body.id;
    expect((await stack.call('GET', '/v1/webhooks')).status).toBe(200);
    expect((await stack.call('GET', `/v1/webhooks/${id}`)).status).toBe(200);
    expect((await stack.call('PATCH', `/v1/webhooks/${id}`, { description: 'ops' })).status).toBe(200);
    const test = await stack.call<{ eventId: string }>('POST', `/v1/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    const since = new Date(Date.now() - 3600_000).toISOString();
    expect((await stack.call('POST', `/v1/webhooks/${id}/replay`, { since })).status).toBe(202);
    expect((await stack.call('GET', `/v1/webhooks/${id}/deliveries`)).status).toBe(200);
    expect((await stack.call('POST', `/v1/events/${test.body.eventId}/redeliver`, {})).status).toBe(202);
    expect((await stack.call('POST', `/v1/webhooks/${id}/rotate-secret`)).status).toBe(200);
    expect((await stack.call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
  });

  it('custodian clients and their credentials', async () => {
    const c = await stack.call<{ id: string; clientSessionToken: string }>('POST', '/api/v1/custodians/clients', {});
    expect(c.status).toBe(200);
    cst = c.body.clientSessionToken;
    expect((await stack.call('GET', `/api/v1/custodians/clients/${c.body.id}`)).status).toBe(200);
    expect((await stack.call('POST', `/api/v1/custodians/clients/${c.body.id}/session`, {})).status).toBe(200);
    const key = await stack.call<{ id: string }>('POST', `/api/v1/custodians/clients/${c.body.id}/test-api-keys`, {});
    expect(key.status).toBe(201);
    const path = `/api/v1/custodians/clients/${c.body.id}/test-api-keys/${key.body.id}`;
    expect((await stack.call('DELETE', path)).status).toBe(204);
  });

  it('errors are documented `{ id, message }` answers', async () => {
    expect((await stack.call('GET', '/v1/transfers/nope')).status).toBe(404);
    expect((await stack.call('GET', '/v1/transfers?limit=0')).status).toBe(400);
    expect(
      (await stack.call('POST', '/v1/assets/send', { chain: 'dogecoin', to, token: 'NATIVE', amount: '1' })).status,
    ).toBe(400);
    expect((await stack.call('POST', '/v1/assets/send', '{"chain":')).status).toBe(400);
    const res = await stack.call('GET', '/v1/transfers', undefined, {
      authorization: 'Bearer cfsk_not_a_real_key_1234',
    });
    expect(res.status).toBe(401);
  });
});

describe('client session token', () => {
  it('generates its wallet, lists its transfers, and is refused server routes', async () => {
    const auth = { authorization: `Bearer ${cst}` };
    const gen = await stack.call<Record<string, { id: string }>>('POST', '/v1/generate', {}, auth);
    expect(gen.status).toBe(200);
    const ids = [gen.body.SECP256K1!.id, gen.body.ED25519!.id];
    const confirm = { status: 'STORED_CLIENT', signingSharePairIds: ids };
    expect((await stack.call('PATCH', '/api/v3/clients/me/signing-share-pairs', confirm, auth)).status).toBe(204);
    expect((await stack.call('GET', '/v1/transfers', undefined, auth)).status).toBe(200);
    expect((await stack.call('GET', '/v1/audit-events', undefined, auth)).status).toBe(403);
    expect((await stack.call('POST', '/v1/sign', { method: 'personal_sign' }, auth)).status).toBe(400);
  });
});

describe('GET /metrics', () => {
  it('needs a server credential', async () => {
    const res = await fetch(`${stack.url}/metrics`);
    expect(res.status).toBe(401);
    assertMatchesContract('GET', '/metrics', 401, await res.json());
    const asClient = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${cst}` } });
    // a Client Session Token is no metrics credential
    expect(asClient.status).toBe(401);
  });

  it('shows the requests by route and status and the transfer by chain and status', async () => {
    const res = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    const sends = value(
      /^chainflow_http_requests_total\{method="POST",route="\/v1\/assets\/send",status="(?:200|202)"\} (\d+)$/m,
    );
    expect(sends).toBeGreaterThanOrEqual(1);
    const notFound = value(
      /^chainflow_http_requests_total\{method="GET",route="\/v1\/transfers\/:id",status="404"\} (\d+)$/m,
    );
    expect(notFound).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(
      /^chainflow_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/v1\/assets\/send"/m,
    );
    const finalized = value(/^chainflow_transfers\{chain="anvil",status="finalized"\} (\d+)$/m);
    expect(finalized).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^chainflow_webhook_delivery_attempts\{outcome="delivered"\} \d+$/m);
    expect(text).toMatch(/^chainflow_webhook_retries \d+$/m);
  });
});
