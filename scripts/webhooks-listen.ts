/**
 * `npm run webhooks:listen`: a local webhook receiver for the dev stack (the `stripe listen` experience).
 * Registers itself as an endpoint, verifies every delivery with the `standardwebhooks` library, prints one
 * line per event, and removes the endpoint on Ctrl-C.
 *
 *   CHAINFLOW_API_URL   default http://127.0.0.1:3000
 *   CHAINFLOW_API_KEY   default the dev stack's key (DEV_API_KEY or cfsk_dev_local_only_change_me)
 *   LISTEN_PORT         default 0 (any free port)
 *   LISTEN_EVENTS       comma-separated event types (default: all)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';

export interface Listener {
  url: string;
  endpointId: string;
  /** Removes the endpoint and closes the server. */
  stop(): Promise<void>;
}

/** Starts a verifying receiver on loopback and registers it as a webhook endpoint of `key`'s tenant. */
export async function startListener(opts: {
  api: string;
  key: string;
  events?: string[];
  port?: number;
  print: (line: string) => void;
}): Promise<Listener> {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${opts.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${opts.key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  let verifier: Webhook | undefined;
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      try {
        if (!verifier) throw new Error('not registered yet');
        const msg = verifier.verify(body, req.headers as Record<string, string>) as {
          type: string;
          data: Record<string, unknown>;
        };
        const dup = seen.has(id) ? ' (duplicate: already seen)' : '';
        seen.add(id);
        opts.print(`${new Date().toISOString()}  ${msg.type.padEnd(20)} ${describe(msg.type, msg.data)}  ${id}${dup}`);
        res.writeHead(204).end();
      } catch (err) {
        opts.print(`${new Date().toISOString()}  REJECTED ${id}: ${(err as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  const endpoint = await call<{ id: string; secret: string }>('POST', '/v1/webhooks', {
    url,
    description: 'npm run webhooks:listen',
    ...(opts.events ? { events: opts.events } : {}),
  });
  verifier = new Webhook(endpoint.secret);
  return {
    url,
    endpointId: endpoint.id,
    async stop() {
      await call('DELETE', `/v1/webhooks/${endpoint.id}`).catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function describe(type: string, data: Record<string, unknown>): string {
  if (type.startsWith('transfer.'))
    return `${data.transferId} ${data.chain} ${data.status} seq=${data.sequence}${data.transactionHash ? ` tx=${data.transactionHash}` : ''}`;
  if (type === 'wallet.created') return `${data.walletId} ${data.address ?? ''}`;
  return JSON.stringify(data);
}

async function main(): Promise<void> {
  const events = process.env.LISTEN_EVENTS?.split(',').filter(Boolean);
  const listener = await startListener({
    api: process.env.CHAINFLOW_API_URL ?? 'http://127.0.0.1:3000',
    key: process.env.CHAINFLOW_API_KEY ?? process.env.DEV_API_KEY ?? 'cfsk_dev_local_only_change_me',
    events,
    port: Number(process.env.LISTEN_PORT ?? 0),
    print: (line) => console.log(line),
  });
  console.log(
    `listening on ${listener.url} as endpoint ${listener.endpointId} (${events?.join(', ') ?? 'all events'}); Ctrl-C to stop`,
  );
  const stop = async () => {
    await listener.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
