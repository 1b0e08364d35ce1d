/**
 * The whole local stack in one command:  npm run dev
 *
 * PostgreSQL (embedded, or DATABASE_URL), migrations, the Temporal dev server (UI on 8233, SQLite file so
 * history survives restarts), anvil (chain `anvil`, state saved on exit), the worker and the API as child
 * processes. Data lives in .data/ and is reused by the next start. Ctrl-C stops everything.
 * Unless DEV_DEMO=false, it then creates a demo wallet, funds it and sends a transfer to `finalized`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PUBLISHED_DEV_API_KEY } from '../config/env.js';
import { startBitcoinRegtest } from '../test/peers/bitcoin-regtest.js';
import { startSolanaTestPeer } from '../test/peers/solana/server.js';
import { startStellarTestPeer } from '../test/peers/stellar/index.js';
import { startTronTestPeer } from '../test/peers/tron/index.js';
import { startAnvil } from './stack/anvil.js';
import { cosignerEnvironments } from './stack/cosigner.js';
import { migrateDatabase } from './stack/migrate.js';
import { waitFor } from './stack/ports.js';
import { startEmbeddedPostgres } from './stack/postgres.js';
import { startTemporal } from './stack/temporal.js';
import { startListener } from './webhooks-listen.js';

const env = process.env;
const dataDir = resolve(env.DEV_DATA_DIR ?? '.data');
const API_PORT = Number(env.API_PORT ?? 3000);
const TEMPORAL_PORT = Number(env.TEMPORAL_PORT ?? 7233);
const TEMPORAL_UI_PORT = Number(env.TEMPORAL_UI_PORT ?? 8233);
const ANVIL_PORT = Number(env.ANVIL_PORT ?? 8545);
const PG_PORT = Number(env.PG_PORT ?? 5433);
const COSIGNER_PORT = Number(env.COSIGNER_PORT ?? 7400);
export const DEFAULT_DEV_API_KEY = PUBLISHED_DEV_API_KEY;

type Stop = () => Promise<void>;
const stops: Stop[] = [];
const children: ChildProcess[] = [];

function log(msg: string): void {
  console.log(`[dev] ${msg}`);
}

/** Dev-only secrets persisted in .data so a restart can still decrypt existing wallets. */
function devSecret(name: string): string {
  const file = resolve(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = randomBytes(32).toString('hex');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

function spawnService(name: string, script: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: childEnv,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      log(`${name} exited (${code ?? signal}); stopping the stack`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

let shuttingDown = false;
async function shutdown(code = 0): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log('stopping…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((res) => {
          if (c.exitCode !== null || c.signalCode !== null) return res();
          c.once('exit', () => res());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  for (const stop of stops.reverse()) await stop().catch((err) => log(`stop failed: ${err}`));
  log('stopped');
  process.exit(code);
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: resolve(dataDir, 'pg'), port: PG_PORT, persistent: true });
    stops.push(pg.stop);
    databaseUrl = pg.url;
    log(`PostgreSQL (embedded) ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
  }
  await migrateDatabase(databaseUrl);
  log('migrations applied');

  const temporal = await startTemporal({
    port: TEMPORAL_PORT,
    uiPort: TEMPORAL_UI_PORT,
    dbFile: resolve(dataDir, 'temporal.db'),
  });
  stops.push(temporal.stop);
  log(`Temporal ${temporal.address}, Web UI ${temporal.uiUrl}`);

  const anvil = await startAnvil({ port: ANVIL_PORT, blockTime: 1, stateFile: resolve(dataDir, 'anvil-state.json') });
  stops.push(anvil.stop);
  log(`anvil ${anvil.rpcUrl} (chain "anvil", eip155:31337)`);

  const peers = await startChainPeers();

  const serviceEnv: NodeJS.ProcessEnv = {
    ...env,
    ...peers,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    RPC_URL_ANVIL: anvil.rpcUrl,
    MASTER_KEY: env.MASTER_KEY ?? devSecret('master.key'),
    DEV_API_KEY: env.DEV_API_KEY ?? DEFAULT_DEV_API_KEY,
    ENABLE_DEV_FAUCET: 'true',
    WEBHOOK_ALLOW_PRIVATE: env.WEBHOOK_ALLOW_PRIVATE ?? 'true',
    API_PORT: String(API_PORT),
  };
  Object.assign(serviceEnv, await startCosigner(databaseUrl, serviceEnv));
  // Two fleets, as in production: workflows and I/O (never signs), and the signing workers (WORKER_ROLE=signing).
  spawnService('worker', 'worker.ts', { ...serviceEnv, WORKER_ROLE: 'transfers' });
  spawnService('worker-signing', 'worker.ts', { ...serviceEnv, WORKER_ROLE: 'signing', WEBHOOK_DISPATCHER: 'false' });
  spawnService('api', 'api/server.ts', serviceEnv);
  const api = `http://127.0.0.1:${API_PORT}`;
  await waitFor('API /health', async () => (await fetch(`${api}/health`)).ok, 120_000);
  log(`API ${api} is healthy. Server API key: ${serviceEnv.DEV_API_KEY}`);

  if (env.DEV_DEMO !== 'false') {
    // The demo is a convenience: its failure is reported, and the stack stays up for whoever wants to look at why.
    await demo(api, serviceEnv.DEV_API_KEY!, temporal.uiUrl).catch((err: unknown) =>
      log(`demo failed (the stack keeps running): ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  log('stack is up; Ctrl-C to stop');
}

/**
 * The co-signer (second party of server wallets) as its own process, with its own database/role and keys kept in
 * .data. DEV_COSIGNER=false keeps the second party inside the API/worker (how a .data from before the co-signer
 * existed still opens its server wallets); COSIGNER_URL in the environment uses one started elsewhere.
 */
async function startCosigner(databaseUrl: string, serviceEnv: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  if (env.DEV_COSIGNER === 'false' || env.COSIGNER_URL) return {};
  const secrets = {
    masterKey: devSecret('cosigner-master.key'),
    signingKey: devSecret('cosigner-signing.key'),
    callerKey: devSecret('cosigner-caller.key'),
    dbPassword: devSecret('cosigner-db.password'),
  };
  const { cosigner, services, url } = await cosignerEnvironments(databaseUrl, secrets, { port: COSIGNER_PORT });
  // The co-signer gets none of the main service's secrets.
  const { MASTER_KEY: _m, DATABASE_URL: _d, DEV_API_KEY: _k, ...rest } = serviceEnv;
  spawnService('cosigner', 'signer/cosigner/main.ts', { ...rest, ...cosigner });
  await waitFor('co-signer /health', async () => (await fetch(`${url}/health`)).ok, 60_000);
  log(`co-signer ${url} (own database ${new URL(cosigner.COSIGNER_DATABASE_URL!).pathname.slice(1)}, own key)`);
  return services;
}

/**
 * The other chain families' local nodes: a real Bitcoin regtest node (litecoind, data kept in .data/bitcoin,
 * a block every BITCOIN_BLOCK_MS) and the Solana / Stellar / TRON test peers (in memory: their state resets on
 * restart). DEV_CHAINS=evm skips them.
 */
async function startChainPeers(): Promise<Record<string, string>> {
  if (env.DEV_CHAINS === 'evm') return {};
  const out: Record<string, string> = {};
  if (existsSync('/usr/lib/litecoin/litecoind') || env.LITECOIND_BIN) {
    mkdirSync(resolve(dataDir, 'bitcoin'), { recursive: true });
    const btc = await startBitcoinRegtest({
      port: Number(env.BITCOIN_RPC_PORT ?? 18443),
      dataDir: resolve(dataDir, 'bitcoin'),
    });
    const blockMs = Number(env.BITCOIN_BLOCK_MS ?? 2000);
    const miner = setInterval(() => void btc.mine(1).catch(() => {}), blockMs);
    stops.push(async () => {
      clearInterval(miner);
      await btc.stop();
    });
    out.RPC_URL_BITCOIN_REGTEST = btc.rpcUrl;
    log(
      `bitcoin regtest node (litecoind) on 127.0.0.1:${btc.port}, a block every ${blockMs} ms (chain "bitcoin-regtest")`,
    );
  } else {
    log('litecoind not installed (npm run setup installs it): chain "bitcoin-regtest" is not available');
  }
  const sol = await startSolanaTestPeer({ port: Number(env.SOLANA_PORT ?? 8899), slotMs: 400 });
  stops.push(() => sol.stop());
  out.RPC_URL_SOLANA_LOCAL = sol.rpcUrl;
  log(`Solana test peer (litesvm) ${sol.rpcUrl} (chain "solana-local")`);
  const xlm = await startStellarTestPeer({ port: Number(env.STELLAR_PORT ?? 8000), ledgerMs: 1000 });
  stops.push(() => xlm.stop());
  out.RPC_URL_STELLAR_LOCAL = xlm.horizonUrl;
  log(`Stellar Horizon test peer ${xlm.horizonUrl} (chain "stellar-local")`);
  const trx = await startTronTestPeer({ port: Number(env.TRON_PORT ?? 8090), blockMs: 1000 });
  stops.push(() => trx.stop());
  out.RPC_URL_TRON_LOCAL = trx.fullNodeUrl;
  log(`TRON test peer ${trx.fullNodeUrl} (chain "tron-local")`);
  return out;
}

/** Creates a wallet, funds it from the faucet and sends a transfer to finality, printing each step. */
async function demo(api: string, key: string, uiUrl: string | undefined): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  // The demo's webhook events, verified with standardwebhooks (what `npm run webhooks:listen` prints).
  const listener = await startListener({ api, key, print: (line) => log(`webhook ${line}`) });
  try {
    await demoTransfer(call, uiUrl);
  } finally {
    await listener.stop();
  }
}

async function demoTransfer(
  call: (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>,
  uiUrl: string | undefined,
): Promise<void> {
  const wallet = await call('POST', '/api/wallets', { userId: 'demo-user' });
  log(`demo wallet ${wallet.walletId} ${wallet.address}`);
  await call('POST', '/v1/dev/faucet', { chain: 'anvil', address: wallet.address, amount: '10' });
  const started = Date.now();
  const sent = await call('POST', '/v1/assets/send', {
    chain: 'anvil',
    to: '0xdFd8302f44727A6348F702fF7B594f127dE3A902',
    token: 'NATIVE',
    amount: '0.01',
    walletId: wallet.walletId,
  });
  log(`sent: ${JSON.stringify(sent)} (RPC accepted after ${Date.now() - started} ms)`);
  for (;;) {
    const t = await call('GET', `/v1/transfers/${sent.transferId}`);
    if (t.status === 'finalized' || t.status === 'failed') {
      log(
        `transfer ${t.transferId} is ${t.status} after ${Date.now() - started} ms (block ${t.blockNumber}, ${t.confirmations} confirmations)`,
      );
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000)); // the last event's delivery
  if (uiUrl) log(`see it in the Temporal UI: ${uiUrl}/namespaces/default/workflows`);
  log('webhook events of any transfer: npm run webhooks:listen');
}

main().catch(async (err) => {
  console.error(err);
  await shutdown(1);
});
