/**
 * The throughput and latency benchmark (issue 11):  npm run bench [-- --long] [-- --label=before]
 *
 * The whole orchestrator (API and worker as separate processes, PostgreSQL, Temporal dev server, anvil with 1 s
 * blocks, 2 confirmations = final) next to a plain viem script that signs locally with anvil dev keys and sends to
 * the same anvil, in the same run, phase by phase:
 *   sequential POST → RPC accepted (and → finalized), 30 concurrent sends from one wallet, sustained sends across
 *   10 wallets (closed loop), server wallet creation, CPU per transfer (API + worker, /proc/<pid>/stat), worker RSS.
 * Prints one table with the ratio ours/plain and writes bench/results/<date>-<label>.json.
 *
 * Options (flags or env): --sequential=25 --burst=30 --wallets=10 --duration=20 (s; --long = 60) --label=run,
 * --split (a transfers worker and a signing worker instead of one `all` worker; CPU per transfer per process).
 * Against a running stack instead of its own: BENCH_API_URL, BENCH_API_KEY, RPC_URL_ANVIL (and optionally
 * BENCH_API_PID, BENCH_WORKER_PID for CPU / RSS).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createWalletClient, type Hex, http, nonceManager, type WalletClient } from 'viem';
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { createEvmClient } from '../chains/evm/client.js';
import { freePort, waitFor } from '../scripts/stack/ports.js';
import { type ManagedProcess, startProcess } from '../scripts/stack/process.js';
import setupStack from '../test/global-setup.js';
import { processStats } from './proc-stats.js';
import { benchEnv, type Figures, machine, printTable } from './report.js';

function option(name: string, fallback: string): string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag ? flag.slice(name.length + 3) : (process.env[`BENCH_${name.toUpperCase()}`] ?? fallback);
}
const LONG = process.argv.includes('--long');
const SEQUENTIAL = Number(option('sequential', '25'));
const BURST = Number(option('burst', '30'));
const WALLETS = Number(option('wallets', '10'));
const DURATION_S = Number(option('duration', LONG ? '60' : '20'));
const LABEL = option('label', 'run');
/** --split: `WORKER_ROLE=transfers` + `WORKER_ROLE=signing` processes (CPU reported per fleet) instead of one `all`. */
const SPLIT = process.argv.includes('--split');
const FINAL_TIMEOUT_MS = 180_000;
const IDLE_WINDOW_MS = 5000;
/** Anvil's published dev mnemonic; indexes far from the faucet's account. */
const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

const randomRecipient = () => privateKeyToAccount(generatePrivateKey()).address;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Orchestrator {
  url: string;
  apiKey: string;
  pids: { api?: number; worker?: number; signing?: number };
  close(): Promise<void>;
}

/** API and worker as child processes (what `npm run dev` runs), on a task queue of their own. */
async function startOrchestrator(): Promise<Orchestrator> {
  if (process.env.BENCH_API_URL) {
    const pid = (v?: string) => (v ? Number(v) : undefined);
    return {
      url: process.env.BENCH_API_URL,
      apiKey: process.env.BENCH_API_KEY ?? '',
      pids: { api: pid(process.env.BENCH_API_PID), worker: pid(process.env.BENCH_WORKER_PID) },
      close: async () => {},
    };
  }
  const port = await freePort();
  const apiKey = `cfsk_${randomBytes(16).toString('hex')}`;
  const env = benchEnv(port, apiKey, `bench-${randomUUID()}`);

  const procs: ManagedProcess[] = [
    startProcess(process.execPath, ['--import', 'tsx', 'worker.ts'], {
      name: 'worker',
      env: { ...env, WORKER_ROLE: SPLIT ? 'transfers' : 'all' },
    }),
    startProcess(process.execPath, ['--import', 'tsx', 'api/server.ts'], { name: 'api', env }),
    ...(SPLIT
      ? [
          startProcess(process.execPath, ['--import', 'tsx', 'worker.ts'], {
            name: 'signing',
            env: { ...env, WORKER_ROLE: 'signing' },
          }),
        ]
      : []),
  ];
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'API /health with a worker and a signing worker polling',
    async () => {
      const res = await fetch(`${url}/health`).catch(() => undefined);
      if (!res) return false;
      const body = (await res.json().catch(() => ({}))) as {
        checks?: Record<string, { ok?: boolean }>;
      };
      return body.checks?.worker?.ok === true && body.checks?.signing?.ok === true;
    },
    180_000,
  );
  return {
    url,
    apiKey,
    pids: { worker: procs[0]!.child.pid, api: procs[1]!.child.pid, ...(SPLIT ? { signing: procs[2]!.child.pid } : {}) },
    close: async () => {
      await Promise.all(procs.map((p) => p.stop(10_000)));
    },
  };
}

function client(o: Orchestrator) {
  return async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${o.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

interface Wallet {
  walletId: string;
  address: string;
}

async function ours(o: Orchestrator): Promise<Figures> {
  const call = client(o);
  const stats = processStats(o.pids);
  const send = async (w: Wallet): Promise<{ transferId: string; ms: number }> => {
    const t0 = performance.now();
    const res = await call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to: randomRecipient(),
      token: 'NATIVE',
      amount: '0.001',
      walletId: w.walletId,
    });
    if (res.status !== 200) throw new Error(`send failed ${res.status}: ${JSON.stringify(res.body)}`);
    return { transferId: res.body.transferId, ms: performance.now() - t0 };
  };
  const waitFinal = async (transferId: string, t0: number): Promise<number> => {
    for (const deadline = Date.now() + FINAL_TIMEOUT_MS; Date.now() < deadline; await sleep(100)) {
      const { body } = await call<{ status: string }>('GET', `/v1/transfers/${transferId}`);
      if (body.status === 'finalized') return performance.now() - t0;
      if (['failed', 'replaced', 'needs_attention'].includes(body.status))
        throw new Error(`transfer ${transferId} ended ${body.status}`);
    }
    throw new Error(`transfer ${transferId} not finalized in ${FINAL_TIMEOUT_MS} ms`);
  };
  const waitAllFinal = async (ids: string[]) => {
    for (const id of ids) await waitFinal(id, 0);
  };

  // Server wallets, one after the other (the first is the warm-up and not counted).
  const walletMs: number[] = [];
  const wallets: Wallet[] = [];
  for (let i = 0; i <= WALLETS; i++) {
    const t0 = performance.now();
    const res = await call<Wallet>('POST', '/api/wallets', { userId: `bench-${i}` });
    if (res.status !== 201 && res.status !== 200) throw new Error(`wallet failed ${res.status}`);
    if (i > 0) walletMs.push(performance.now() - t0);
    wallets.push(res.body);
    const funded = await call('POST', '/v1/dev/faucet', { chain: 'anvil', address: res.body.address, amount: '100' });
    if (funded.status >= 300) throw new Error(`faucet failed ${funded.status}: ${JSON.stringify(funded.body)}`);
  }
  const [main] = wallets as [Wallet];
  // Warm-up (connections, caches, presignatures) not counted.
  const warm = await send(main);
  await waitFinal(warm.transferId, 0);

  const accept: number[] = [];
  const final: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    const s = await send(main);
    accept.push(s.ms);
    final.push(await waitFinal(s.transferId, t0));
  }

  const b0 = performance.now();
  const burst = await Promise.all(Array.from({ length: BURST }, () => send(main)));
  const burstMs = performance.now() - b0;
  await waitAllFinal(burst.map((b) => b.transferId));

  // Background CPU (key pools refilling, pollers) over a quiet window, to tell it apart from the transfers'.
  const idle0 = stats.sample();
  await sleep(IDLE_WINDOW_MS);
  const idle1 = stats.sample();
  const idleCpuMsPerSec =
    idle1.cpuMs === undefined ? undefined : (idle1.cpuMs - idle0.cpuMs!) / (IDLE_WINDOW_MS / 1000);
  const before = stats.sample();
  const t0 = performance.now();
  const sustained = await closedLoop(wallets.slice(1), async (w) => (await send(w)).transferId);
  await waitAllFinal(sustained.ids);
  const after = stats.sample();
  const phaseS = (performance.now() - t0) / 1000;
  const cpuMsPerTransfer = after.cpuMs === undefined ? undefined : (after.cpuMs - before.cpuMs!) / sustained.ids.length;
  return {
    sequentialAcceptMs: accept,
    finalizedMs: final,
    burstAllAcceptedMs: burstMs,
    sustainedTxPerSec: sustained.ids.length / (sustained.ms / 1000),
    sustainedTransfers: sustained.ids.length,
    walletCreationMs: walletMs,
    cpuMsPerTransfer,
    idleCpuMsPerSec,
    cpuMsPerTransferNetOfIdle:
      cpuMsPerTransfer === undefined || idleCpuMsPerSec === undefined
        ? undefined
        : cpuMsPerTransfer - (idleCpuMsPerSec * phaseS) / sustained.ids.length,
    cpuMsPerTransferByProcess: Object.fromEntries(
      Object.entries(after.byProcess).map(([k, v]) => [k, (v - (before.byProcess[k] ?? 0)) / sustained.ids.length]),
    ),
    workerRssMb: after.workerRssMb,
  };
}

/** Each wallet sends its next transfer as soon as the previous one is accepted, for DURATION_S. */
async function closedLoop<W>(wallets: W[], send: (w: W) => Promise<string>): Promise<{ ids: string[]; ms: number }> {
  const ids: string[] = [];
  const t0 = performance.now();
  const end = t0 + DURATION_S * 1000;
  await Promise.all(
    wallets.map(async (w) => {
      while (performance.now() < end) ids.push(await send(w));
    }),
  );
  return { ids, ms: performance.now() - t0 };
}

/** The same phases from a plain script: viem signs locally, sends, and polls receipts until 2 confirmations. */
async function plain(): Promise<Figures> {
  const rpcUrl = process.env.RPC_URL_ANVIL!;
  const rpc = createEvmClient(rpcUrl);
  const chain = {
    id: 31337,
    name: 'anvil',
    nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
  const wallets: WalletClient[] = [];
  for (let i = 0; i <= WALLETS; i++) {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 100 + i, nonceManager });
    await rpc.request({
      method: 'anvil_setBalance' as never,
      params: [account.address, '0x56BC75E2D63100000'] as never,
    });
    wallets.push(createWalletClient({ account, chain, transport: http(rpcUrl) }));
  }
  const send = async (w: WalletClient) =>
    (await w.sendTransaction({ account: w.account!, chain, to: randomRecipient(), value: 10n ** 15n })) as Hex;
  const waitFinal = async (hash: Hex, t0: number): Promise<number> => {
    for (const deadline = Date.now() + FINAL_TIMEOUT_MS; Date.now() < deadline; await sleep(100)) {
      const receipt = await rpc.getTransactionReceipt({ hash }).catch(() => null);
      if (receipt && (await rpc.getBlockNumber({ cacheTime: 0 })) - receipt.blockNumber + 1n >= 2n)
        return performance.now() - t0;
    }
    throw new Error(`plain ${hash} not final`);
  };
  const [main] = wallets as [WalletClient];
  await waitFinal(await send(main), 0);
  const accept: number[] = [];
  const final: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    const hash = await send(main);
    accept.push(performance.now() - t0);
    final.push(await waitFinal(hash, t0));
  }
  const b0 = performance.now();
  const burst = await Promise.all(Array.from({ length: BURST }, () => send(main)));
  const burstMs = performance.now() - b0;
  for (const h of burst) await waitFinal(h, 0);
  const cpu0 = process.cpuUsage();
  const sustained = await closedLoop(wallets.slice(1), send);
  for (const h of sustained.ids) await waitFinal(h as Hex, 0);
  const cpu = process.cpuUsage(cpu0);
  return {
    sequentialAcceptMs: accept,
    finalizedMs: final,
    burstAllAcceptedMs: burstMs,
    sustainedTxPerSec: sustained.ids.length / (sustained.ms / 1000),
    sustainedTransfers: sustained.ids.length,
    walletCreationMs: [],
    cpuMsPerTransfer: (cpu.user + cpu.system) / 1000 / sustained.ids.length,
    workerRssMb: process.memoryUsage().rss / 2 ** 20,
  };
}

/** The commit measured, `+dirty` with uncommitted changes (BENCH_COMMIT when run outside a checkout). */
function commitOf(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const teardown = process.env.BENCH_API_URL ? async () => {} : await setupStack();
  const startedAt = new Date();
  const load = { start: loadavg() };
  let orchestrator: Orchestrator | undefined;
  try {
    const base = await plain();
    orchestrator = await startOrchestrator();
    const mine = await ours(orchestrator);
    const result = {
      label: LABEL,
      date: startedAt.toISOString(),
      commit: commitOf(),
      machine: { ...machine(), loadAverage: { ...load, end: loadavg() } },
      config: { sequential: SEQUENTIAL, burst: BURST, wallets: WALLETS, durationS: DURATION_S, anvilBlockS: 1 },
      plain: base,
      ours: mine,
    };
    printTable(result);
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}${startedAt.toISOString().replace(/[:.]/g, '-')}-${LABEL}.json`;
    writeFileSync(
      file,
      `${JSON.stringify(result, (_, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v), 2)}\n`,
    );
    console.log(`results: ${file}`);
  } finally {
    await orchestrator?.close();
    await teardown();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
