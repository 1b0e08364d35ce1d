/**
 * TRON TEST PEER: an in-process stand-in for a java-tron full node's HTTP API (no real Tron node can be
 * installed here). Produces blocks on a timer, solidifies them `solidifyDepth` blocks later, enforces the
 * node's broadcast rules (signature, TaPoS, expiration, duplicates, balances, fees) and keeps a minimal
 * TRC-20 ledger. Test-only endpoints: POST /test/fund, /test/mint, /test/deploytrc20, /test/produceblock.
 * `rateLimit(n)` makes the next n API calls answer as TronGrid does past its frequency limit: HTTP 200 with an
 * `{ "Error" }` body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { freePort } from '../../../scripts/stack/ports.js';
import { fromHexAddress, TronTestChain, toHexAddress } from './chain.js';
import { type ChainParams, DEFAULT_PARAMS } from './ledger.js';
import { tronRoutes } from './server.js';

/** Where the peer deploys its default USDT-like ledger (tron-local's USDT in chains/networks/tron.json). */
export const TEST_USDT_ADDRESS = 'TCtPAyCRtjk4usvZDu4wTHnDJSwQmxqxLU';

/** TronGrid's answer past an API key's frequency limit (HTTP 200, java-tron's `{ Error }` shape). */
export const TRONGRID_RATE_LIMIT_ERROR =
  'The key exceeds the frequency limit(15), and the query server is suspended for 30s';

export interface TronTestPeerOptions {
  port?: number;
  /** Block interval (real Tron: 3000 ms). */
  blockMs?: number;
  /** Blocks until a block is solidified (real Tron: ~19). */
  solidifyDepth?: number;
  params?: Partial<ChainParams>;
}

export interface Trc20Options {
  symbol?: string;
  name?: string;
  decimals?: number;
  /** Base58 or 41-hex; default: derived from the symbol. */
  address?: string;
}

export interface TronTestPeer {
  fullNodeUrl: string;
  chain: TronTestChain;
  /** Credits TRX (sun) directly, creating the account if needed. */
  fund(address: string, sun: bigint | number | string): void;
  /** Registers a TRC-20 balance ledger; returns its base58 address. */
  deployTrc20(options?: Trc20Options): string;
  mint(contract: string, address: string, amount: bigint | number | string): void;
  /** Stops/restarts the block timer, for tests that step blocks by hand with produceBlocks. */
  pauseBlocks(): void;
  resumeBlocks(): void;
  produceBlocks(count?: number): number;
  /** The next `calls` /wallet* and /walletsolidity* requests answer 200 `{ Error: TRONGRID_RATE_LIMIT_ERROR }`. */
  rateLimit(calls: number): void;
  /** Requests answered with the rate-limit body so far. */
  rateLimited(): number;
  balanceOf(address: string): bigint;
  trc20BalanceOf(contract: string, address: string): bigint;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
      if (!text) return resolve(query);
      try {
        resolve({ ...query, ...(JSON.parse(text) as Record<string, unknown>) });
      } catch (err) {
        reject(err);
      }
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

export async function startTronTestPeer(options: TronTestPeerOptions = {}): Promise<TronTestPeer> {
  const port = options.port ?? (await freePort());
  const chain = new TronTestChain({ ...DEFAULT_PARAMS, ...options.params }, options.solidifyDepth ?? 3);
  const routes = tronRoutes(chain);

  const fund = (address: string, sun: bigint | number | string) =>
    chain.mutateConfirmed((l) => l.credit(toHexAddress(address), BigInt(sun), Date.now()));
  const deployTrc20 = (o: Trc20Options = {}) => {
    const symbol = o.symbol ?? 'USDT';
    const hex = o.address ? toHexAddress(o.address) : toHexAddress(TEST_USDT_ADDRESS);
    chain.mutateConfirmed((l) => {
      if (!l.tokens.has(hex)) {
        l.tokens.set(hex, {
          symbol,
          name: o.name ?? `Test ${symbol}`,
          decimals: o.decimals ?? 6,
          totalSupply: 0n,
          balances: new Map(),
        });
      }
    });
    return fromHexAddress(hex);
  };
  const mint = (contract: string, address: string, amount: bigint | number | string) =>
    chain.mutateConfirmed((l) => {
      const token = l.tokens.get(toHexAddress(contract));
      if (!token) throw new Error(`no TRC-20 at ${contract}`);
      const holder = toHexAddress(address);
      token.balances.set(holder, (token.balances.get(holder) ?? 0n) + BigInt(amount));
      token.totalSupply += BigInt(amount);
    });
  deployTrc20();

  routes.set('/test/fund', (b) => {
    fund(String(b.address), String(b.amount));
    return { ok: true };
  });
  routes.set('/test/mint', (b) => {
    mint(String(b.contract ?? TEST_USDT_ADDRESS), String(b.address), String(b.amount));
    return { ok: true };
  });
  routes.set('/test/deploytrc20', (b) => ({ address: deployTrc20(b as Trc20Options) }));
  routes.set('/test/produceblock', () => ({ number: chain.produceBlock().number }));

  let limitLeft = 0;
  let limited = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    if (limitLeft > 0 && path.startsWith('/wallet')) {
      limitLeft--;
      limited++;
      req.resume();
      return send(res, 200, { Error: TRONGRID_RATE_LIMIT_ERROR });
    }
    const handler = routes.get(path);
    if (!handler) return send(res, 404, { Error: `no such endpoint ${path}` });
    readBody(req)
      .then((body) => {
        try {
          send(res, 200, handler(body));
        } catch (err) {
          send(res, 200, { Error: `class java.lang.IllegalArgumentException : ${(err as Error).message}` });
        }
      })
      .catch((err: Error) =>
        send(res, 200, { Error: `class org.tron.core.exception.BadItemException : ${err.message}` }),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });

  let paused = false;
  const timer = setInterval(() => {
    if (!paused) chain.produceBlock();
  }, options.blockMs ?? 500);

  return {
    fullNodeUrl: `http://127.0.0.1:${port}`,
    chain,
    fund,
    deployTrc20,
    mint,
    pauseBlocks: () => {
      paused = true;
    },
    resumeBlocks: () => {
      paused = false;
    },
    produceBlocks: (count = 1) => {
      for (let k = 0; k < count; k++) chain.produceBlock();
      return chain.head().number;
    },
    rateLimit: (calls) => {
      limitLeft = calls;
    },
    rateLimited: () => limited,
    balanceOf: (address) => chain.state().accounts.get(toHexAddress(address))?.balance ?? 0n,
    trc20BalanceOf: (contract, address) =>
      chain.state().tokens.get(toHexAddress(contract))?.balances.get(toHexAddress(address)) ?? 0n,
    stop: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
