/**
 * A real HTTP webhook receiver on loopback for tests: records every request (headers and raw body) and answers
 * what the test tells it to (a status with headers, or hang until the connection is dropped). Verification is
 * left to the tests, which use the `standardwebhooks` reference library.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedHook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> & { sequence: number } };
  at: number;
}

export type Reply = { status: number; headers?: Record<string, string> } | 'hang';

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedHook[];
  /** Decides the answer to each request (default 200). */
  reply: (hook: ReceivedHook, index: number) => Reply;
  /** Requests answered 2xx. */
  accepted(): ReceivedHook[];
  waitFor(pred: (r: ReceivedHook[]) => boolean, timeoutMs?: number): Promise<ReceivedHook[]>;
  /** Stops listening (connections refused) until start() again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

export async function startReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const acceptedSet = new Set<ReceivedHook>();
  const hanging = new Set<IncomingMessage>();
  let port = 0;
  let server: Server | undefined;

  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received,
    reply: () => ({ status: 200 }),
    accepted: () => received.filter((r) => acceptedSet.has(r)),
    async waitFor(pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (pred(received)) return received;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`receiver: condition not met; got ${received.map((r) => r.json?.type).join(', ')}`);
    },
    async stop() {
      for (const req of hanging) req.socket.destroy();
      await new Promise<void>((resolve) => {
        server?.close(() => resolve());
        server?.closeAllConnections();
      });
      server = undefined;
    },
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const hook: ReceivedHook = {
            id: header(req, 'webhook-id'),
            timestamp: header(req, 'webhook-timestamp'),
            signature: header(req, 'webhook-signature'),
            body,
            json: JSON.parse(body || '{}'),
            at: Date.now(),
          };
          received.push(hook);
          const answer = req.url === path ? receiver.reply(hook, received.length - 1) : { status: 404 };
          if (answer === 'hang') {
            hanging.add(req);
            return;
          }
          if (answer.status >= 200 && answer.status < 300) acceptedSet.add(hook);
          res.writeHead(answer.status, answer.headers).end('ok');
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', () => resolve()));
      port = (server.address() as AddressInfo).port;
      receiver.port = port;
      receiver.url = `http://127.0.0.1:${port}${path}`;
    },
  };
  await receiver.start();
  return receiver;
}

/** Verifies a received hook with the reference library; returns the parsed payload or throws. */
export function verifyHook(secret: string, hook: ReceivedHook): unknown {
  return new Webhook(secret).verify(hook.body, {
    'webhook-id': hook.id,
    'webhook-timestamp': hook.timestamp,
    'webhook-signature': hook.signature,
  });
}
