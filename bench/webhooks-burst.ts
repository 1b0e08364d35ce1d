/**
 * A burst of state changes delivered as webhooks: N transfer status changes (submitted → confirmed → finalized
 * per transfer, written concurrently through applyStatusPatch, i.e. the outbox) to one loopback receiver.
 * Reports write time, time until the last event is delivered, delivery latency percentiles, order per transfer
 * and duplicates; then, in the same run, a plain-script baseline: a Node loop that signs the same payloads with the
 * `standardwebhooks` library and POSTs them to a receiver of the same kind, as many at once as the dispatcher
 * sends to one endpoint (WEBHOOK_ENDPOINT_CONCURRENCY). The baseline has no database, no outbox and no retries:
 * every payload is ready when it starts, so it is the floor for signing and sending alone.
 *
 *   npx tsx bench/webhooks-burst.ts [N=1000]
 *
 * Starts its own PostgreSQL, Temporal dev server and anvil (the test stack); default dispatcher settings
 * except WEBHOOK_ALLOW_PRIVATE=true (loopback receiver).
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { applyStatusPatch } from '../storage/transfers.js';
import setupStack from '../test/global-setup.js';
import { startTestStack } from '../test/support/stack.js';
import { type ReceivedHook, startReceiver } from '../test/support/webhook-receiver.js';
import { createWebhookDispatcher } from '../worker.js';

const N = Number(process.argv[2] ?? 1000);
const STATUSES = ['submitted', 'confirmed', 'finalized'] as const;

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Row {
  name: string;
  events: number;
  totalMs: number;
  latency: number[];
  hooks: ReceivedHook[];
}

/** Hooks that arrived after an earlier-or-equal sequence of the same transfer. */
function outOfOrder(hooks: ReceivedHook[]): number {
  const lastSeq = new Map<string, number>();
  let n = 0;
  for (const h of hooks) {
    const t = h.json.data.transferId as string;
    if ((lastSeq.get(t) ?? 0) >= h.json.data.sequence) n++;
    lastSeq.set(t, h.json.data.sequence);
  }
  return n;
}

function tableRow(r: Row) {
  return {
    name: r.name,
    events: r.events,
    totalS: Number((r.totalMs / 1000).toFixed(2)),
    eventsPerS: Math.round((r.events / r.totalMs) * 1000),
    p50Ms: Math.round(pct(r.latency, 50)),
    p99Ms: Math.round(pct(r.latency, 99)),
    outOfOrder: outOfOrder(r.hooks),
    duplicates: r.hooks.length - new Set(r.hooks.map((h) => h.id)).size,
  };
}

/**
 * The plain script: the same payloads (same ids and bodies, in write order), signed with `standardwebhooks` and
 * POSTed with fetch by `concurrency` senders. Latency is from the start (every payload is queued then).
 */
async function plainScript(payloads: { id: string; body: string }[], secret: string, concurrency: number) {
  const receiver = await startReceiver();
  const wh = new Webhook(secret);
  try {
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < payloads.length) {
          const p = payloads[next++]!;
          const ts = new Date();
          const res = await fetch(receiver.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'webhook-id': p.id,
              'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
              'webhook-signature': wh.sign(p.id, ts, p.body),
            },
            body: p.body,
          });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`plain script: HTTP ${res.status}`);
        }
      }),
    );
    const hooks = receiver.accepted();
    return {
      name: 'plain script (standardwebhooks + fetch)',
      events: payloads.length,
      totalMs: Date.now() - started,
      latency: hooks.map((h) => h.at - started),
      hooks,
    } satisfies Row;
  } finally {
    await receiver.stop();
  }
}

async function main(): Promise<void> {
  const teardown = await setupStack();
  const stack = await startTestStack({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const dispatcher = createWebhookDispatcher(stack.runtime, pino({ level: 'silent' }));
  const receiver = await startReceiver();
  try {
    const ep = await stack.call<{ id: string; secret: string }>('POST', '/v1/webhooks', { url: receiver.url });
    if (ep.status !== 201) throw new Error(JSON.stringify(ep.body));
    const tenantId = stack.env.DEV_TENANT_ID!;
    const walletId = randomUUID();
    const prisma = stack.runtime.prisma;
    await prisma.wallet.create({ data: { id: walletId, tenantId } });
    const transfers = Math.ceil(N / STATUSES.length);
    const ids = Array.from({ length: transfers }, () => `tr_${randomUUID()}`);
    await prisma.transfer.createMany({
      data: ids.map((id) => ({
        id,
        tenantId,
        walletId,
        idempotencyKey: id,
        requestHash: 'h',
        workflowId: `wf-${id}`,
        chain: 'anvil',
        caip2: 'eip155:31337',
        fromAddress: '0x01',
        toAddress: '0x02',
        token: 'NATIVE',
        tokenDecimals: 18,
        amount: '1',
        rawAmount: '1',
        requiredConfirmations: 1,
      })),
    });
    // BENCH_DISPATCH_AFTER_WRITES=1: measure delivery alone (the dispatcher starts once every change is written).
    const after = process.env.BENCH_DISPATCH_AFTER_WRITES === '1';
    if (!after) dispatcher.start();
    const writtenAt = new Map<string, number>();
    const started = Date.now();
    // 20 transfers progress concurrently, each one state at a time (as their workflows would).
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          for (const status of STATUSES) {
            await applyStatusPatch(prisma, id, { status });
            writtenAt.set(`${id}:${status}`, Date.now());
          }
        }
      }),
    );
    const written = Date.now() - started;
    const dispatchFrom = Date.now();
    if (after) dispatcher.start();
    const total = ids.length * STATUSES.length;
    await receiver.waitFor(() => receiver.accepted().length >= total, 600_000);
    const delivered = Date.now() - started;
    const got = receiver.accepted();
    const latency = got.map((h) => h.at - writtenAt.get(`${h.json.data.transferId}:${h.json.data.status}`)!);
    console.log(
      JSON.stringify(
        {
          stateChanges: total,
          writeAllMs: written,
          deliverAllMs: delivered,
          dispatchOnlyMs: Date.now() - dispatchFrom,
          requests: receiver.received.length,
        },
        null,
        2,
      ),
    );
    const ours: Row = {
      name: 'chainflow (outbox + dispatcher)',
      events: total,
      totalMs: delivered,
      latency,
      hooks: got,
    };
    // The same payloads in the order they were written.
    const byKey = new Map(got.map((h) => [`${h.json.data.transferId}:${h.json.data.status}`, h]));
    const payloads = ids.flatMap((id) =>
      STATUSES.map((status) => {
        const h = byKey.get(`${id}:${status}`)!;
        return { id: h.id, body: h.body };
      }),
    );
    const plain = await plainScript(payloads, ep.body.secret, stack.runtime.webhookOptions.endpointConcurrency);
    const rows = [tableRow(ours), tableRow(plain)];
    console.log(
      `\n${total} webhook events to one loopback endpoint, ${stack.runtime.webhookOptions.endpointConcurrency} in flight at once:`,
    );
    console.table(rows);
    const [o, b] = rows as [ReturnType<typeof tableRow>, ReturnType<typeof tableRow>];
    console.log(
      `ratio chainflow/plain: total ${(o.totalS / b.totalS).toFixed(1)}×, events/s ${(o.eventsPerS / b.eventsPerS).toFixed(2)}×, p50 ${(o.p50Ms / Math.max(1, b.p50Ms)).toFixed(1)}×`,
    );
  } finally {
    await dispatcher.stop();
    await receiver.stop();
    await stack.close();
    await teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
