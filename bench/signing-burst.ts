/**
 * Does a burst of signatures delay status checks?  npx tsx bench/signing-burst.ts [--burst=30] [--probes=5]
 *
 * Two topologies in one run, each with its own API and workers as child processes on the shared stack
 * (PostgreSQL, Temporal dev server, anvil with 1 s blocks):
 *   one worker  — WORKER_ROLE=all: workflows, I/O and signing activities in one process (`npm run worker`)
 *   split       — WORKER_ROLE=transfers + WORKER_ROLE=signing (`npm run worker` + `npm run worker:signing`)
 * Probe transfers are sent first and left in their watch loop; then a burst of sends (each one MPC signature) hits.
 * From the probes' workflow histories: every checkStatus activity scheduled in the 5 s before the burst (idle) and
 * during it, scheduled → completed.
 * Plain baseline in the same window: this script calling eth_getTransactionReceipt on the same anvil every 200 ms.
 * Writes bench/results/<date>-signing-burst.json.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createEvmClient } from '../chains/evm/client.js';
import { freePort, waitFor } from '../scripts/stack/ports.js';
import { type ManagedProcess, startProcess } from '../scripts/stack/process.js';
import setupStack from '../test/global-setup.js';
import { transferWorkflowId } from '../transfers/submit.js';
import { benchEnv, machine, pct, writeResult } from './report.js';

const { EventType } = proto.temporal.api.enums.v1;
function option(name: string, fallback: string): string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag ? flag.slice(name.length + 3) : fallback;
}
const BURST = Number(option('burst', '30'));
const PROBES = Number(option('probes', '5'));
const WALLETS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomRecipient = () => privateKeyToAccount(generatePrivateKey()).address;

type Topology = 'one worker' | 'split';

interface Side {
  /** checkStatus scheduled → completed, probes only, in the 5 s before the burst. */
  idleCheckStatusMs: number[];
  /** The same during the burst. */
  checkStatusMs: number[];
  burstAcceptedMs: number;
}

async function startSide(topology: Topology) {
  const port = await freePort();
  const apiKey = `cfsk_${randomBytes(16).toString('hex')}`;
  const tenant = `bench-${randomUUID()}`;
  const env: NodeJS.ProcessEnv = {
    ...benchEnv(port, apiKey, tenant),
    // The probes keep watching through the whole burst.
    REQUIRED_CONFIRMATIONS_ANVIL: '40',
  };

  const worker = (role: string) =>
    startProcess(process.execPath, ['--import', 'tsx', 'worker.ts'], {
      name: `worker-${role}`,
      env: { ...env, WORKER_ROLE: role },
    });
  const procs: ManagedProcess[] = [
    ...(topology === 'split' ? [worker('transfers'), worker('signing')] : [worker('all')]),
    startProcess(process.execPath, ['--import', 'tsx', 'api/server.ts'], { name: 'api', env }),
  ];
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'API /health with both queues polled',
    async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true,
    180_000,
  );
  const call = async <T>(method: string, path: string, body?: unknown, key?: string) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return { call, tenant, close: () => Promise.all(procs.map((p) => p.stop(10_000))) };
}

async function run(topology: Topology, temporal: Client): Promise<Side> {
  const side = await startSide(topology);
  try {
    const wallets: { walletId: string; address: string }[] = [];
    for (let i = 0; i < WALLETS; i++) {
      const w = await side.call<{ walletId: string; address: string }>('POST', '/api/wallets', { userId: `b${i}` });
      await side.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: w.body.address, amount: '10' });
      wallets.push(w.body);
    }
    const send = (i: number, key: string) =>
      side.call<{ transferId: string }>(
        'POST',
        '/v1/assets/send',
        {
          chain: 'anvil',
          to: randomRecipient(),
          token: 'NATIVE',
          amount: '0.001',
          walletId: wallets[i % WALLETS]!.walletId,
        },
        key,
      );
    // Probes: accepted, then watching (anvil mines every second; 2 confirmations on this network = final).
    const probeKeys = Array.from({ length: PROBES }, () => `probe-${randomUUID()}`);
    for (const [i, key] of probeKeys.entries()) {
      const r = await send(i, key);
      if (r.status !== 200) throw new Error(`probe ${r.status}: ${JSON.stringify(r.body)}`);
    }
    const idleStart = Date.now();
    await sleep(5_000);
    const windowStart = Date.now();
    const t0 = performance.now();
    const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => send(i, `burst-${randomUUID()}`)));
    const burstAcceptedMs = performance.now() - t0;
    const windowEnd = Date.now();
    for (const r of burst) if (r.status !== 200 && r.status !== 202) throw new Error(`burst ${r.status}`);
    await sleep(3_000);

    const checkStatusMs: number[] = [];
    const idleCheckStatusMs: number[] = [];
    for (const key of probeKeys) {
      const history = await temporal.workflow.getHandle(transferWorkflowId(side.tenant, 'server', key)).fetchHistory();
      const scheduled = new Map<string, number>();
      for (const e of history.events ?? []) {
        const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
          if (
            e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkStatus' &&
            at >= idleStart &&
            at <= windowEnd
          )
            scheduled.set(String(e.eventId), at);
        }
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
          const from = scheduled.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId));
          if (from !== undefined) (from >= windowStart ? checkStatusMs : idleCheckStatusMs).push(at - from);
        }
      }
    }
    return { idleCheckStatusMs, checkStatusMs, burstAcceptedMs };
  } finally {
    await side.close();
  }
}

/** The plain script's status check in the same kind of window: one receipt query every 200 ms for `ms`. */
async function plainChecks(ms: number): Promise<number[]> {
  const rpc = createEvmClient(process.env.RPC_URL_ANVIL!);
  const hash = (await rpc.getBlock()).transactions[0] as Hex | undefined;
  const out: number[] = [];
  for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
    const t = performance.now();
    if (hash) await rpc.getTransactionReceipt({ hash }).catch(() => null);
    else await rpc.getBlockNumber({ cacheTime: 0 });
    out.push(performance.now() - t);
  }
  return out;
}

async function main(): Promise<void> {
  const teardown = await setupStack();
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const temporal = new Client({ connection });
  try {
    const results: Record<string, Side> = {};
    for (const t of ['one worker', 'split'] as const) results[t] = await run(t, temporal);
    const plain = await plainChecks(5_000);
    const row = (name: string, v: number[], extra?: number) => ({
      topology: name,
      'checkStatus n': v.length,
      'p50 ms': Math.round(pct(v, 50) ?? 0),
      'p99 ms': Math.round(pct(v, 99) ?? 0),
      'max ms': Math.round(Math.max(0, ...v)),
      [`${BURST} sends accepted ms`]: extra === undefined ? '—' : Math.round(extra),
    });
    console.log(`\nstatus checks during a burst of ${BURST} signatures (${PROBES} probe transfers watching)`);
    console.table([
      row('one worker (all), idle', results['one worker']!.idleCheckStatusMs),
      row('one worker (all), burst', results['one worker']!.checkStatusMs, results['one worker']!.burstAcceptedMs),
      row('split, idle', results.split!.idleCheckStatusMs),
      row('split (transfers + signing), burst', results.split!.checkStatusMs, results.split!.burstAcceptedMs),
      row('plain script (receipt query)', plain),
    ]);
    writeResult('signing-burst', { machine: machine(), burst: BURST, probes: PROBES, results, plain });
  } finally {
    await connection.close();
    await teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
