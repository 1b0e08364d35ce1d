/**
 * Kill drill for webhook delivery: the worker PROCESS running the dispatcher is SIGKILLed while a delivery is
 * in flight (the receiver has the request and has not answered). Nothing is lost: once the dead process's
 * lease expires another dispatcher sends it again with the same webhook-id, and the transfer's later events
 * follow in order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyStatusPatch } from '../../storage/transfers.js';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { createWebhookDispatcher } from '../../worker.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { startReceiver, verifyHook, type WebhookReceiver } from '../support/webhook-receiver.js';

const WEBHOOK_ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '3000' };
let stack: TestStack;
let receiver: WebhookReceiver;
let takeover: WebhookDispatcher | undefined;
const children = new Set<ChildProcess>();

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    env: { ...process.env, ...stack.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker polling')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

beforeAll(async () => {
  stack = await startTestStack({ env: WEBHOOK_ENV });
  await stack.stopWorker(); // the worker process below is the only one
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await takeover?.stop();
  await receiver?.stop();
  await stack?.close();
});

describe('webhook kill drill', () => {
  it('a dispatcher killed in the middle of a delivery loses nothing; the event is resent with the same id, in order', async () => {
    const ep = await stack.call<{ id: string; secret: string }>('POST', '/v1/webhooks', { url: receiver.url });
    expect(ep.status).toBe(201);
    // The first request is held open: the worker process is mid-delivery when it dies.
    receiver.reply = (_h, i) => (i === 0 ? 'hang' : { status: 200 });
    const worker = await startWorkerProcess();

    const tenantId = stack.env.DEV_TENANT_ID!;
    const walletId = randomUUID();
    const transferId = `tr_${randomUUID()}`;
    await stack.runtime.prisma.wallet.create({ data: { id: walletId, tenantId } });
    await stack.runtime.prisma.transfer.create({
      data: {
        id: transferId,
        tenantId,
        walletId,
        idempotencyKey: transferId,
        requestHash: 'h',
        workflowId: `wf-${transferId}`,
        chain: 'anvil',
        caip2: 'eip155:31337',
        fromAddress: '0x0000000000000000000000000000000000000001',
        toAddress: '0x0000000000000000000000000000000000000002',
        token: 'NATIVE',
        tokenDecimals: 18,
        amount: '1',
        rawAmount: '1000000000000000000',
        requiredConfirmations: 1,
      },
    });
    for (const status of ['submitted', 'confirmed', 'finalized'] as const)
      await applyStatusPatch(stack.runtime.prisma, transferId, { status });

    await receiver.waitFor((all) => all.length >= 1);
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));

    // Killed mid-flight: nothing recorded, the delivery still pending under the dead process's lease.
    const first = receiver.received[0]!;
    const pending = await stack.runtime.prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: first.id } });
    expect(pending).toMatchObject({ status: 'pending', attempts: 0 });
    expect(pending.leaseUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(receiver.received).toHaveLength(1); // later events wait behind it (order per transfer)

    takeover = createWebhookDispatcher(stack.runtime, pino({ level: 'silent' }));
    takeover.start();
    await receiver.waitFor(() => receiver.accepted().length >= 3, 40_000);
    const accepted = receiver.accepted();
    expect(accepted.map((h) => h.json.type)).toEqual([
      'transfer.submitted',
      'transfer.confirmed',
      'transfer.finalized',
    ]);
    expect(accepted[0]!.id).toBe(first.id);
    expect(accepted[0]!.body).toBe(first.body);
    expect(accepted.map((h) => h.json.data.sequence)).toEqual([1, 2, 3]);
    for (const h of accepted) verifyHook(ep.body.secret, h);
    // The receiver answers before the dispatcher records the answer: wait for the last write to land.
    await vi.waitFor(
      async () => {
        const deliveries = await stack.runtime.prisma.webhookDelivery.findMany({ where: { endpointId: ep.body.id } });
        expect(deliveries.map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      },
      { timeout: 10_000, interval: 100 },
    );
  });
});
