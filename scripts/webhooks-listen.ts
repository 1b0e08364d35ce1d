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
import { Webhook } from 'standardwebhooks';

const api = process.env.CHAINFLOW_API_URL ?? 'http://127.0.0.1:3000';
const key = process.env.CHAINFLOW_API_KEY ?? process.env.DEV_API_KEY ?? 'cfsk_dev_local_only_change_me';
const events = process.env.LISTEN_EVENTS?.split(',').filter(Boolean);

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function describe(type: string, data: Record<string, unknown>): string {
  if (type.startsWith('transfer.'))
    return `${data.transferId} ${data.chain} ${data.status} seq=${data.sequence}${data.transactionHash ? ` tx=${data.transactionHash}` : ''}`;
  if (type === 'wallet.created') return `${data.walletId} ${data.address ?? ''}`;
  return JSON.stringify(data);
}

async function main(): Promise<void> {
  let verifier: Webhook | undefined;
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      try {
        const msg = verifier!.verify(body, req.headers as Record<string, string>) as {
          type: string;
          data: Record<string, unknown>;
        };
        const dup = seen.has(id) ? ' (duplicate: already seen)' : '';
        seen.add(id);
        console.log(`${new Date().toISOString()}  ${msg.type.padEnd(20)} ${describe(msg.type, msg.data)}  ${id}${dup}`);
        res.writeHead(204).end();
      } catch (err) {
        console.log(`${new Date().toISOString()}  REJECTED ${id}: ${(err as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.LISTEN_PORT ?? 0), '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  const endpoint = await call<{ id: string; secret: string }>('POST', '/v1/webhooks', {
    url,
    description: 'npm run webhooks:listen',
    ...(events ? { events } : {}),
  });
  verifier = new Webhook(endpoint.secret);
  console.log(`listening on ${url} as endpoint ${endpoint.id} (${events?.join(', ') ?? 'all events'}); Ctrl-C to stop`);
  const stop = async () => {
    await call('DELETE', `/v1/webhooks/${endpoint.id}`).catch(() => {});
    server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
