/**
 * ESPLORA TEST PEER: an HTTP server speaking the Esplora API (Blockstream's electrs, as served by
 * blockstream.info/api and mempool.space/api) ON TOP OF a real Bitcoin-Core-family regtest node
 * (test/peers/bitcoin-regtest.ts). There is no internet here, so the adapter's Esplora backend is tested
 * against this peer; chain state, mempool policy, signatures and conflicts are the real node's.
 *
 * Endpoints (under `/api`): GET /blocks/tip/height, /blocks/tip/hash, /block-height/:h, /tx/:txid,
 * /tx/:txid/status, /tx/:txid/hex, /tx/:txid/outspend/:vout, /address/:addr/utxo, /fee-estimates;
 * POST /tx. Anything else is 404 `endpoint does not exist "…"`, as electrs answers. See README.md here
 * for what is faithful and what is not.
 *
 * Test controls: `hold(path, ms)` computes the next matching answer at once but sends it `ms` later (a slow
 * server whose answer is already stale when it arrives); `answerNext(path, status, body)` answers the next
 * matching request in place of the node (rate limits, outages, a server with other fee estimates).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Network } from 'bitcoinjs-lib';
import { freePort } from '../../../scripts/stack/ports.js';
import { nodeRpc } from './node.js';
import { esploraRoutes, type Reply } from './routes.js';

export interface EsploraTestPeer {
  /** Base URL including the `/api` prefix, like `https://blockstream.info/api`. */
  url: string;
  /** The next `times` requests whose path (without `/api`) matches are answered `ms` late. */
  hold(path: RegExp, ms: number, times?: number): void;
  /** The next `times` matching requests get `status` and `body` (text if a string, else JSON) instead of the node's answer. */
  answerNext(path: RegExp, status: number, body: unknown, times?: number): void;
  /** Paths (method + path without `/api`) served so far, in order. */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

interface Rule {
  path: RegExp;
  left: number;
  holdMs?: number;
  answer?: Reply;
}

export async function startEsploraTestPeer(opts: {
  /** The regtest node's `http://user:pass@host:port`. */
  rpcUrl: string;
  /** Address parameters of the node's network (bitcoinjsNetwork of `bitcoin-regtest`). */
  network: Network;
  port?: number;
}): Promise<EsploraTestPeer> {
  const routes = esploraRoutes(nodeRpc(opts.rpcUrl), opts.network);
  const rules: Rule[] = [];
  const requests: string[] = [];

  function take(path: string, want: (r: Rule) => boolean): Rule | undefined {
    const rule = rules.find((r) => r.left > 0 && want(r) && r.path.test(path));
    if (rule) rule.left--;
    return rule;
  }

  async function route(method: string, path: string, body: string): Promise<Reply> {
    const p = path.split('/').slice(1);
    const is = (...parts: string[]) => p.length === parts.length && parts.every((x, i) => x === '*' || x === p[i]);
    if (method === 'POST' && is('tx')) return routes.broadcast(body);
    if (method !== 'GET') return { status: 404, body: `endpoint does not exist ${JSON.stringify(path)}` };
    if (is('blocks', 'tip', 'height')) return routes.tipHeight();
    if (is('blocks', 'tip', 'hash')) return routes.tipHash();
    if (is('block-height', '*')) return routes.blockAtHeight(p[1]!);
    if (is('tx', '*')) return routes.tx(p[1]!);
    if (is('tx', '*', 'status')) return routes.txStatus(p[1]!);
    if (is('tx', '*', 'hex')) return routes.txHex(p[1]!);
    if (is('tx', '*', 'outspend', '*')) return routes.outspend(p[1]!, p[3]!);
    if (is('address', '*', 'utxo')) return routes.addressUtxo(decodeURIComponent(p[1]!));
    if (is('fee-estimates')) return routes.feeEstimates();
    return { status: 404, body: `endpoint does not exist ${JSON.stringify(path)}` };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://peer');
    const method = req.method ?? 'GET';
    let reply: Reply;
    if (!url.pathname.startsWith('/api/')) {
      reply = { status: 404, body: `endpoint does not exist ${JSON.stringify(url.pathname)}` };
    } else {
      const path = url.pathname.slice('/api'.length);
      requests.push(`${method} ${path}`);
      const scripted = take(path, (r) => r.answer !== undefined)?.answer;
      const held = take(path, (r) => r.holdMs !== undefined)?.holdMs;
      try {
        reply = scripted ?? (await route(method, path, Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reply = { status: 503, body: `esplora test peer: node unavailable: ${(err as Error).message}` };
      }
      if (held) await new Promise((r) => setTimeout(r, held));
    }
    const isText = typeof reply.body === 'string';
    res.writeHead(reply.status, { 'content-type': isText ? 'text/plain' : 'application/json' });
    res.end(isText ? (reply.body as string) : JSON.stringify(reply.body));
  }

  const port = opts.port ?? (await freePort());
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${port}/api`,
    hold: (path, ms, times = 1) => rules.push({ path, left: times, holdMs: ms }),
    answerNext: (path, status, body, times = 1) => rules.push({ path, left: times, answer: { status, body } }),
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
