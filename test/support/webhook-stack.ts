/**
 * A test stack with a running webhook dispatcher (a short retry schedule) and one loopback receiver registered as
 * the tenant's endpoint: what the webhook e2e files share.
 */
import { pino } from 'pino';
import type { ChainRegistry } from '../../chains/registry.js';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { createWebhookDispatcher } from '../../worker.js';
import { startTestStack, type TestStack } from './stack.js';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.js';

export const FAST_WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_SCHEDULE: '0,200ms,500ms,1s',
};

export interface WebhookTestStack {
  stack: TestStack;
  dispatcher: WebhookDispatcher;
  receiver: WebhookReceiver;
  /** The endpoint's `whsec_…` secret, to verify deliveries with `standardwebhooks`. */
  secret: string;
  close(): Promise<void>;
}

export async function startWebhookTestStack(chains: ChainRegistry): Promise<WebhookTestStack> {
  const stack = await startTestStack({ chains, env: FAST_WEBHOOK_ENV });
  const dispatcher = createWebhookDispatcher(stack.runtime, pino({ level: 'silent' }));
  dispatcher.start();
  const receiver = await startReceiver();
  const ep = await stack.call<{ secret: string }>('POST', '/v1/webhooks', { url: receiver.url });
  if (ep.status !== 201) throw new Error(`registering the receiver answered ${ep.status}: ${JSON.stringify(ep.body)}`);
  return {
    stack,
    dispatcher,
    receiver,
    secret: ep.body.secret,
    async close() {
      await dispatcher.stop();
      await receiver.stop();
      await stack.close();
    },
  };
}
