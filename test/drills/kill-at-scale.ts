/**
 * Kill drill at scale: many transfers from 3 wallets on two chains (anvil and the TRON test peer), submitted
 * concurrently through the API with Idempotency-Keys, while worker PROCESSES are SIGKILLed at random moments
 * (seeded, so a schedule can be replayed) and the Temporal dev server — one this drill owns, on its own port with
 * a persistent SQLite file — is restarted once. A submit that fails because the API or Temporal is down is retried
 * with the same key, as a client would.
 *
 * `runKillAtScale` returns the figures and a list of violations (empty = pass); the CI test
 * (kill-at-scale.test.ts) asserts on them, and the by-hand run prints them:
 *   npx tsx test/drills/kill-at-scale.ts --transfers=300 [--seed=1234]
 * (the by-hand run starts its own PostgreSQL and anvil through test/global-setup.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hex } from 'viem';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { tronAddressToHex } from '../../chains/tron/address.js';
import { freePort } from '../../scripts/stack/ports.js';
import { startTemporal, type TemporalHandle } from '../../scripts/stack/temporal.js';
import { generatePrivateKey, publicKeyOf } from '../../signer/local-key.js';
import { type RunningChain, tronCase } from '../support/chain-cases.js';
import { startTestStack, type TestStack, workflowBundle } from '../support/stack.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const NETWORKS = ['anvil', 'tron-local'] as const;
type Network = (typeof NETWORKS)[number];

export interface KillDrillOptions {
  transfers: number;
  seed: number;
  /** Worker processes kept running (each kill takes one down; it is restarted after a random delay). */
  workers?: number;
  /**
   * Kills never leave fewer workers polling than this (default 1: a rolling crash; a restarted worker takes
   * 10–20 s to load on a busy 2-core machine, so killing the last one again and again only stalls the run —
   * kill-worker.test.ts covers "no worker at all").
   */
  keepPolling?: number;
  /** Random gap between kills, ms. */
  killEveryMs?: [number, number];
  /**
   * How long the Temporal server stays down, ms. The client's gRPC retries bridge ≈ 20 s, so the default
   * outage is longer: submissions then really fail with 503 and are retried with their key.
   */
  temporalDownMs?: [number, number];
  log?: (line: string) => void;
}

export interface KillDrillFigures {
  seed: number;
  transfers: number;
  kills: number;
  workerStarts: number;
  /**
   * Workers that exited on their own and were restarted as a process supervisor would: a worker started while
   * Temporal is down exits (NativeConnection.connect fails), which is expected.
   */
  workerExits: string[];
  temporalRestarts: number;
  submitRetries: number;
  /** Every HTTP answer the submissions got (0 = no connection), retries included. */
  submitAnswers: Record<string, number>;
  durationMs: number;
  submitToFinalizedMs: { p50: number; p99: number; max: number };
  attemptsPerTransfer: { mean: number; max: number };
  onChainTxsPerTransfer: number;
  /** Transfers signed more than once, with why each later attempt was allowed (its stored reason). */
  resigned: string[];
  statuses: Record<string, number>;
}

export interface KillDrillResult {
  figures: KillDrillFigures;
  /** Every broken invariant, with the transfer, its attempts and its history. Empty = the drill passed. */
  violations: string[];
}

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  key: string;
  network: Network;
  wallet: number;
  to: string;
  amount: string;
  rawAmount: bigint;
  offsetMs: number;
  firstSubmitAt?: number;
  transferId?: string;
}

interface Wallet {
  walletId: string;
  addresses: Record<Network, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runKillAtScale(opts: KillDrillOptions): Promise<KillDrillResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[kill-drill] ${l}\n`));
  const rand = seededRandom(opts.seed);
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo);
  const [killLo, killHi] = opts.killEveryMs ?? [6_000, 14_000];
  const [downLo, downHi] = opts.temporalDownMs ?? [21_000, 25_000];
  const workerCount = opts.workers ?? 3;
  const keepPolling = opts.keepPolling ?? 1;
  const tmp = mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'kill-drill-'));
  const violations: string[] = [];
  log(`seed ${opts.seed} (replay: KILL_DRILL_SEED=${opts.seed}), ${opts.transfers} transfers, logs in ${tmp}`);

  // --- the stack: our own Temporal server (persistent SQLite so a restart keeps every workflow) ---
  const temporalPort = await freePort();
  const temporalDb = join(tmp, 'temporal.db');
  let temporal: TemporalHandle | undefined = await startTemporal({ port: temporalPort, ui: false, dbFile: temporalDb });
  let tron: RunningChain | undefined;
  let stack: TestStack | undefined;
  const workers = new Set<ChildProcess>();
  /** Workers that finished starting (printed "worker polling"): only these are killed. */
  const ready = new Set<ChildProcess>();
  const workerLog = openSync(join(tmp, 'workers.log'), 'a');
  let chaosOn = true;
  let kills = 0;
  let workerStarts = 0;
  const workerExits: string[] = [];
  const killed = new WeakSet<ChildProcess>();
  let running = true;
  let temporalRestarts = 0;
  let submitRetries = 0;
  const submitAnswers: Record<string, number> = {};
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

  try {
    tron = await tronCase.start();
    const chainEnv = { ...tron.env, TEMPORAL_ADDRESS: temporal.address };
    const chains = new ChainRegistry(loadNetworks({ ...process.env, ...chainEnv }));
    // two MPC threads: the three wallets' key generations do not queue behind each other
    stack = await startTestStack({ chains, env: { ...chainEnv, MPC_COMPUTE_THREADS: '2' } });
    await stack.stopWorker(); // only separate worker processes from here on
    const bundlePath = join(tmp, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
    const workerEnv = { ...process.env, ...stack.env, WORKFLOW_BUNDLE_PATH: bundlePath };
    const s = stack;

    const startWorker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
        cwd: repoRoot,
        env: workerEnv,
        stdio: ['ignore', 'pipe', workerLog],
      });
      workerStarts++;
      workers.add(child);
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('worker polling')) ready.add(child);
      });
      child.once('exit', (code, signal) => {
        workers.delete(child);
        ready.delete(child);
        if (killed.has(child) || !running) return;
        workerExits.push(`${at()} pid ${child.pid}: ${signal ?? `exit ${code}`}`);
        log(
          `${at()} worker pid ${child.pid} exited on its own (${signal ?? `exit ${code}`}); supervisor restarts it in 2 s`,
        );
        setTimeout(() => {
          if (running) startWorker();
        }, 2000);
      });
    };

    for (let i = 0; i < workerCount; i++) startWorker(); // they load while the wallets are made

    // --- 3 wallets, funded on both chains ---
    const wallets: Wallet[] = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const w = await s.call<{ walletId: string; addresses: Record<string, string> }>('POST', '/api/wallets', {
          userId: `kill-drill-${opts.seed}-${i}`,
        });
        if (w.status !== 201) throw new Error(`wallet creation: ${w.status} ${JSON.stringify(w.body)}`);
        return {
          walletId: w.body.walletId,
          addresses: { anvil: w.body.addresses.anvil!, 'tron-local': w.body.addresses['tron-local']! },
        };
      }),
    );
    log(`${at()} 3 wallets created`);
    // Wallets are picked at random: fund each for every TRON transfer of the run, at up to 3 TRX each.
    const tronFunding = Math.ceil(opts.transfers / 2) * 3 + 10;
    for (const w of wallets) {
      for (const [chain, amount] of [
        ['anvil', '100'],
        // 1.1–1.7 TRX each, plus up to 1.3 TRX of account creation and bandwidth per transfer
        ['tron-local', String(tronFunding)],
      ] as const) {
        const f = await s.call('POST', '/v1/dev/faucet', { chain, address: w.addresses[chain], amount });
        if (f.status !== 200) throw new Error(`faucet ${chain}: ${f.status} ${JSON.stringify(f.body)}`);
      }
    }
    const evm = createEvmClient(process.env.RPC_URL_ANVIL!);
    await sleep(1500); // the faucet's TRON transfers are in a block
    const tronFunded = await Promise.all(wallets.map((w) => tron!.balance(w.addresses['tron-local'])));

    // --- the plan: who sends what, when (seeded) ---
    const submitWindowMs = Math.max(15_000, opts.transfers * 400);
    let chaosMs = submitWindowMs + 40_000; // the Temporal outage is added to it
    const plan: Planned[] = Array.from({ length: opts.transfers }, (_, i) => {
      const network = NETWORKS[i % 2]!;
      const adapter = s.runtime.chains.get(network);
      const to = adapter.addressFromPublicKey(publicKeyOf(adapter.curve, generatePrivateKey(adapter.curve)));
      const step = BigInt(1 + (i % 7));
      const rawAmount = network === 'anvil' ? step * 10n ** 15n : 1_000_000n + step * 100_000n;
      const amount = network === 'anvil' ? `0.00${step}` : `1.${step}`;
      return {
        key: `kill-drill-${opts.seed}-${i}`,
        network,
        wallet: Math.floor(rand() * 3),
        to,
        amount,
        rawAmount,
        offsetMs: Math.floor(rand() * submitWindowMs),
      };
    });

    if (!(await healthy(s, 180_000))) throw new Error('no worker process started polling within 180 s');
    log(`${at()} ${workerCount} worker processes polling; submitting over ${submitWindowMs / 1000}s`);
    const startedAt = Date.now();

    // --- chaos: SIGKILL a random worker every killLo..killHi ms; restart Temporal once mid-submission ---
    const temporalRestartAt = startedAt + between(0.3, 0.6) * submitWindowMs;
    const chaos = (async () => {
      let temporalDone = false;
      let nextKill = startedAt + between(killLo, killHi);
      while (chaosOn && Date.now() - startedAt < chaosMs) {
        if (!temporalDone && Date.now() >= temporalRestartAt) {
          temporalDone = true;
          const down = between(downLo, downHi);
          log(`${at()} Temporal dev server: stop, ${Math.round(down)} ms down, start on the same port and SQLite file`);
          await temporal!.stop();
          temporal = undefined;
          chaosMs += down;
          await sleep(down);
          const survivors = [...workers].map((w) => w.pid);
          temporal = await startTemporal({ port: temporalPort, ui: false, dbFile: temporalDb });
          temporalRestarts++;
          // Matching keeps pollers in memory only: pollers seen now came back through the API's and the
          // workers' existing connections (no kill in between; a restarted worker needs longer to start).
          const back = Date.now();
          const ok = await healthy(s, 60_000);
          if (!ok) violations.push('after the Temporal restart the API or the workers never reconnected (60 s)');
          log(
            `${at()} Temporal dev server back; API and surviving workers (pids ${survivors.join(', ')}) ` +
              `${ok ? `polling again after ${Date.now() - back} ms` : 'NOT reconnected'}`,
          );
        }
        if (Date.now() >= nextKill) {
          const live = [...ready];
          const pick = live[Math.floor(rand() * live.length)];
          const victim = live.length > keepPolling ? pick : undefined;
          const restartIn = between(0, 3000);
          if (victim) {
            killed.add(victim);
            victim.kill('SIGKILL');
            kills++;
            const inFlight = await inFlightByStatus(s, plan);
            log(
              `${at()} SIGKILL worker pid ${victim.pid} (${live.length - 1} polling, transfers in flight: ` +
                `${JSON.stringify(inFlight)}), restart in ${Math.round(restartIn)} ms`,
            );
            setTimeout(() => {
              if (chaosOn) startWorker();
            }, restartIn);
          }
          nextKill = Date.now() + between(killLo, killHi);
        }
        await sleep(100);
      }
    })();

    // --- submissions: concurrent, each retried with its key while the API or Temporal is unavailable ---
    const submitErrors: string[] = [];
    await Promise.all(
      plan.map(async (p) => {
        await sleep(p.offsetMs);
        p.firstSubmitAt = Date.now();
        const w = wallets[p.wallet]!;
        for (let tries = 0; ; tries++) {
          let status = 0;
          let body: { transferId?: string; id?: string } | undefined;
          try {
            const r = await s.call<typeof body>(
              'POST',
              '/v1/assets/send',
              { chain: p.network, to: p.to, token: 'NATIVE', amount: p.amount, walletId: w.walletId },
              { 'idempotency-key': p.key },
            );
            status = r.status;
            body = r.body;
          } catch {
            status = 0; // connection error
          }
          submitAnswers[status] = (submitAnswers[status] ?? 0) + 1;
          if (status === 200 || status === 202) {
            p.transferId = body?.transferId;
            return;
          }
          if ((status === 0 || status === 503 || status === 500) && tries < 120) {
            submitRetries++;
            await sleep(1000);
            continue;
          }
          submitErrors.push(`${p.key}: HTTP ${status} ${JSON.stringify(body)}`);
          return;
        }
      }),
    );
    log(`${at()} all ${opts.transfers} submissions answered (${submitRetries} retries)`);
    for (const e of submitErrors) violations.push(`submit refused: ${e}`);

    // --- wait for every transfer to end; chaos stops after its window ---
    const tenantId = stack.env.DEV_TENANT_ID!;
    const rows = await s.runtime.prisma.transfer.findMany({
      where: { tenantId, idempotencyKey: { in: plan.map((p) => p.key) } },
      select: { id: true, idempotencyKey: true },
    });
    const idByKey = new Map(rows.map((r) => [r.idempotencyKey, r.id]));
    for (const p of plan) {
      p.transferId ??= idByKey.get(p.key);
      if (!p.transferId) violations.push(`${p.key}: no transfer row after its submission was answered`);
    }
    const ids = plan.flatMap((p) => (p.transferId ? [p.transferId] : []));
    const deadline = Date.now() + chaosMs + 300_000;
    let pending = ids.length;
    for (let lastLog = 0; Date.now() < deadline; ) {
      if (Date.now() - startedAt >= chaosMs || pending === 0) {
        if (chaosOn) log(`${at()} chaos over (${kills} kills)`);
        chaosOn = false;
        while (workers.size < workerCount) startWorker();
      }
      const open = await s.runtime.prisma.transfer.count({
        where: { id: { in: ids }, status: { notIn: ['finalized', 'failed', 'replaced'] } },
      });
      pending = open;
      if (open === 0 && !chaosOn) break;
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(`${at()} ${open} of ${ids.length} transfers not final yet`);
      }
      await sleep(1000);
    }
    chaosOn = false;
    await chaos;
    const durationMs = Date.now() - startedAt;
    log(`${at()} done in ${(durationMs / 1000).toFixed(1)}s; checking the chains`);

    // --- the verdict: database, API and both chains ---
    const transfers = await s.runtime.prisma.transfer.findMany({
      where: { id: { in: ids } },
      include: { attempts: true },
    });
    const byId = new Map(transfers.map((t) => [t.id, t]));
    const statuses: Record<string, number> = {};
    for (const t of transfers) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
    const explain = async (id: string, what: string) => {
      const view = await s.call('GET', `/v1/transfers/${id}`);
      const history = await s.call('GET', `/v1/transfers/${id}/history`);
      violations.push(
        `${id}: ${what}\n  transfer: ${JSON.stringify(view.body)}\n  history: ${JSON.stringify(history.body)}`,
      );
    };
    for (const t of transfers) if (t.status !== 'finalized') await explain(t.id, `ended ${t.status}, not finalized`);

    let onChainTxs = 0;
    // EVM: per wallet, nonces 0..n-1 each used by exactly one of its transfers; no other attempt mined
    for (const [wi, w] of wallets.entries()) {
      const mine = plan.filter((p) => p.network === 'anvil' && p.wallet === wi && p.transferId);
      const address = w.addresses.anvil as Hex;
      const count = await evm.getTransactionCount({ address });
      if (count !== mine.length)
        violations.push(`anvil wallet ${wi}: ${count} transactions on chain for ${mine.length} transfers`);
      const nonces: number[] = [];
      for (const p of mine) {
        const t = byId.get(p.transferId!);
        if (!t?.transactionHash) continue;
        let landed = 0;
        for (const a of t.attempts) {
          const receipt = await evm.getTransactionReceipt({ hash: a.txHash as Hex }).catch(() => undefined);
          if (receipt) landed++;
        }
        onChainTxs += landed;
        if (landed !== 1) await explain(t.id, `${landed} of its ${t.attempts.length} attempts are on chain`);
        const tx = await evm.getTransaction({ hash: t.transactionHash as Hex }).catch(() => undefined);
        if (!tx || tx.from.toLowerCase() !== address.toLowerCase() || tx.value !== p.rawAmount) {
          await explain(t.id, `its transactionHash ${t.transactionHash} is not our mined payment`);
          continue;
        }
        nonces.push(tx.nonce);
        if (t.nonce !== String(tx.nonce)) violations.push(`${t.id}: recorded nonce ${t.nonce}, mined with ${tx.nonce}`);
        const paid = await evm.getBalance({ address: p.to as Hex });
        if (paid !== p.rawAmount) violations.push(`${t.id}: recipient holds ${paid}, sent ${p.rawAmount}`);
      }
      nonces.sort((a, b) => a - b);
      const expected = Array.from({ length: mine.length }, (_, i) => i);
      if (JSON.stringify(nonces) !== JSON.stringify(expected))
        violations.push(`anvil wallet ${wi}: nonces ${JSON.stringify(nonces)}, expected 0..${mine.length - 1}`);
    }

    // TRON: every block scanned; each wallet's transactions on chain are exactly its transfers' hashes
    const tronPost = tronClient(tron.env.RPC_URL_TRON_LOCAL!);
    const txsByOwner = await tronTransactionsByOwner(tronPost);
    const norm = (h: string) => h.replace(/^0x/, '').toLowerCase();
    for (const [wi, w] of wallets.entries()) {
      const mine = plan.filter((p) => p.network === 'tron-local' && p.wallet === wi && p.transferId);
      const onChain = txsByOwner.get(tronAddressToHex(w.addresses['tron-local']).toLowerCase()) ?? [];
      onChainTxs += onChain.length;
      const hashes = new Set(mine.map((p) => norm(byId.get(p.transferId!)?.transactionHash ?? '')));
      if (onChain.length !== mine.length || !onChain.every((h) => hashes.has(h)))
        violations.push(
          `tron wallet ${wi}: ${onChain.length} transactions on chain for ${mine.length} transfers` +
            ` (not ours: ${onChain.filter((h) => !hashes.has(h)).join(', ') || 'none'})`,
        );
      let fees = 0n;
      for (const h of onChain) {
        const info = await tronPost<{ fee?: number }>('/wallet/gettransactioninfobyid', { value: h });
        fees += BigInt(info.fee ?? 0);
      }
      for (const p of mine) {
        const t = byId.get(p.transferId!)!;
        const landed = t.attempts.filter((a) => onChain.includes(norm(a.txHash))).length;
        if (landed !== 1) await explain(t.id, `${landed} of its ${t.attempts.length} attempts are on chain`);
        const paid = await tron.balance(p.to);
        if (paid !== p.rawAmount) violations.push(`${t.id}: recipient holds ${paid}, sent ${p.rawAmount}`);
      }
      const sent = mine.reduce((sum, p) => sum + p.rawAmount, 0n);
      const balance = await tron.balance(w.addresses['tron-local']);
      const expected = tronFunded[wi]! - sent - fees;
      if (balance !== expected)
        violations.push(
          `tron wallet ${wi}: balance ${balance} ≠ funded ${tronFunded[wi]} − sent ${sent} − fees ${fees}`,
        );
    }

    // --- figures ---
    const latencies = plan
      .map((p) => {
        const f = p.transferId ? byId.get(p.transferId)?.finalizedAt : undefined;
        return f && p.firstSubmitAt ? f.getTime() - p.firstSubmitAt : undefined;
      })
      .filter((x): x is number => x !== undefined)
      .sort((a, b) => a - b);
    const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    const attempts = transfers.map((t) => t.attempts.length);
    return {
      figures: {
        seed: opts.seed,
        transfers: ids.length,
        kills,
        workerStarts,
        workerExits,
        temporalRestarts,
        submitRetries,
        submitAnswers,
        durationMs,
        submitToFinalizedMs: { p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? NaN },
        attemptsPerTransfer: {
          mean: attempts.reduce((a, b) => a + b, 0) / Math.max(1, attempts.length),
          max: Math.max(0, ...attempts),
        },
        onChainTxsPerTransfer: onChainTxs / Math.max(1, ids.length),
        resigned: transfers
          .filter((t) => t.attempts.length > 1)
          .map(
            (t) =>
              `${t.id} (${t.chain}): ${t.attempts
                .filter((a) => a.attempt > 1)
                .map((a) => `#${a.attempt} ${a.reason.slice(0, 200)}`)
                .join('; ')}`,
          ),
        statuses,
      },
      violations,
    };
  } finally {
    running = false;
    chaosOn = false;
    for (const w of workers) w.kill('SIGKILL');
    await stack?.close().catch(() => {});
    await Promise.allSettled([tron?.stop(), temporal?.stop()]);
    closeSync(workerLog);
  }
}

type TronPost = <T>(path: string, body: unknown) => Promise<T>;

function tronClient(url: string): TronPost {
  return async <T>(path: string, body: unknown) =>
    (await (await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) })).json()) as T;
}

/** Every transaction in every block of the TRON node, by owner (hex address, lower case) → txIDs. */
async function tronTransactionsByOwner(post: TronPost): Promise<Map<string, string[]>> {
  const head = await post<{ block_header: { raw_data: { number: number } } }>('/wallet/getnowblock', {});
  const byOwner = new Map<string, string[]>();
  const heights = Array.from({ length: head.block_header.raw_data.number + 1 }, (_, i) => i);
  for (let i = 0; i < heights.length; i += 25) {
    const blocks = await Promise.all(
      heights.slice(i, i + 25).map((num) =>
        post<{
          transactions?: {
            txID: string;
            raw_data: { contract: { parameter: { value: { owner_address: string } } }[] };
          }[];
        }>('/wallet/getblockbynum', { num }),
      ),
    );
    for (const b of blocks)
      for (const tx of b.transactions ?? []) {
        const owner = tx.raw_data.contract[0]!.parameter.value.owner_address.toLowerCase();
        byOwner.set(owner, [...(byOwner.get(owner) ?? []), tx.txID.toLowerCase()]);
      }
  }
  return byOwner;
}

/** GET /health until the database, Temporal and a polling worker are all reachable. */
async function healthy(stack: TestStack, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${stack.url}/health`).catch(() => undefined);
    if (res?.status === 200) return true;
    await sleep(250);
  }
  return false;
}

/** Non-final transfers of the drill by status (what a kill interrupts). */
async function inFlightByStatus(stack: TestStack, plan: Planned[]): Promise<Record<string, number>> {
  const rows = await stack.runtime.prisma.transfer.groupBy({
    by: ['status'],
    where: {
      tenantId: stack.env.DEV_TENANT_ID!,
      idempotencyKey: { in: plan.map((p) => p.key) },
      status: { notIn: ['finalized', 'failed', 'replaced'] },
    },
    _count: true,
  });
  return Object.fromEntries(rows.map((r) => [r.status, r._count]));
}

export function formatFigures(f: KillDrillFigures): string {
  return [
    `seed ${f.seed}: ${f.transfers} transfers (${JSON.stringify(f.statuses)})`,
    `${f.kills} worker SIGKILLs, ${f.workerStarts} worker starts, ${f.temporalRestarts} Temporal restart(s), ` +
      `${f.workerExits.length} worker exits on their own (restarted)`,
    `${f.submitRetries} submit retries with the same key; HTTP answers ${JSON.stringify(f.submitAnswers)}`,
    `duration ${(f.durationMs / 1000).toFixed(1)} s (first submit → last final)`,
    `submit → finalized: p50 ${(f.submitToFinalizedMs.p50 / 1000).toFixed(1)} s, p99 ${(f.submitToFinalizedMs.p99 / 1000).toFixed(1)} s, max ${(f.submitToFinalizedMs.max / 1000).toFixed(1)} s`,
    `signed attempts per transfer: mean ${f.attemptsPerTransfer.mean.toFixed(2)}, max ${f.attemptsPerTransfer.max}`,
    `on-chain transactions per transfer: ${f.onChainTxsPerTransfer.toFixed(2)}`,
    ...f.resigned.map((r) => `  re-signed ${r}`),
  ].join('\n');
}

export function seedFromEnv(): number {
  const s = process.env.KILL_DRILL_SEED;
  return s ? Number(s) : randomBytes(4).readUInt32BE();
}

// By hand: npx tsx test/drills/kill-at-scale.ts --transfers=300 [--seed=N]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const { default: setup } = await import('../global-setup.js');
  const teardown = await setup();
  let code = 0;
  try {
    const result = await runKillAtScale({
      transfers: Number(arg('transfers') ?? 300),
      seed: arg('seed') ? Number(arg('seed')) : seedFromEnv(),
    });
    console.log(formatFigures(result.figures));
    if (result.violations.length) {
      code = 1;
      console.log(`\nVIOLATIONS (${result.violations.length}):\n${result.violations.join('\n')}`);
    } else console.log('\nall invariants hold');
  } finally {
    await teardown();
  }
  process.exit(code);
}
