/** Figures of one side of the benchmark, the machine it ran on, and the side-by-side table. */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface Figures {
  sequentialAcceptMs: number[];
  finalizedMs: number[];
  burstAllAcceptedMs: number;
  sustainedTxPerSec: number;
  sustainedTransfers: number;
  walletCreationMs: number[];
  cpuMsPerTransfer: number | undefined;
  cpuMsPerTransferByProcess?: Record<string, number>;
  /** CPU of API + worker per second with nothing sent (key pools refilling, pollers). */
  idleCpuMsPerSec?: number;
  cpuMsPerTransferNetOfIdle?: number;
  /** Ours: the worker process; plain: the script itself. */
  workerRssMb: number | undefined;
}

export function pct(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function machine() {
  return { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAtStart: loadavg() };
}

interface Result {
  label: string;
  date: string;
  machine: { cores: number; node: string; loadAverage: { start: number[]; end: number[] } };
  config: { sequential: number; burst: number; wallets: number; durationS: number };
  plain: Figures;
  ours: Figures;
}

export function printTable(r: Result): void {
  const rows: [string, (f: Figures) => number | undefined, string][] = [
    ['sequential accept p50', (f) => pct(f.sequentialAcceptMs, 50), 'ms'],
    ['sequential accept p99', (f) => pct(f.sequentialAcceptMs, 99), 'ms'],
    ['POST → finalized p50', (f) => pct(f.finalizedMs, 50), 'ms'],
    ['POST → finalized p99', (f) => pct(f.finalizedMs, 99), 'ms'],
    [`${r.config.burst} concurrent, one wallet: all accepted`, (f) => f.burstAllAcceptedMs, 'ms'],
    [`${r.config.wallets} wallets sustained ${r.config.durationS} s`, (f) => f.sustainedTxPerSec, 'tx/s'],
    ['wallet creation p50', (f) => pct(f.walletCreationMs, 50), 'ms'],
    ['wallet creation p99', (f) => pct(f.walletCreationMs, 99), 'ms'],
    ['CPU per transfer (API + worker | script)', (f) => f.cpuMsPerTransfer, 'ms'],
    ['  same, less the idle background', (f) => f.cpuMsPerTransferNetOfIdle ?? f.cpuMsPerTransfer, 'ms'],
    ['RSS (worker | script)', (f) => f.workerRssMb, 'MB'],
  ];
  const fmt = (v: number | undefined) =>
    v === undefined ? '—' : v >= 100 ? String(Math.round(v)) : v.toFixed(v >= 10 ? 1 : 2);
  console.log(
    `\n${r.label} ${r.date} · ${r.machine.cores} cores · node ${r.machine.node} · load ${r.machine.loadAverage.start.map((l) => l.toFixed(2)).join(' ')} → ${r.machine.loadAverage.end.map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.table(
    rows.map(([name, get, unit]) => {
      const p = get(r.plain);
      const o = get(r.ours);
      return {
        measure: name,
        unit,
        'plain viem': fmt(p),
        ours: fmt(o),
        'ours/plain': p === undefined || o === undefined || p === 0 ? '—' : `${(o / p).toFixed(1)}×`,
      };
    }),
  );
}

/** Writes one run's figures to bench/results/<date>-<label>.json and says where. */
export function writeResult(label: string, data: unknown): string {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}-${label}.json`;
  writeFileSync(file, JSON.stringify(data, null, 2));
  console.log(`written ${file}`);
  return file;
}

/** The environment of a benchmark's own API and workers: fresh keys and task queue, no rate limits, quiet logs. */
export function benchEnv(port: number, apiKey: string, tenantId: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MASTER_KEY: randomBytes(32).toString('hex'),
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    API_PORT: String(port),
    DEV_API_KEY: apiKey,
    DEV_TENANT_ID: tenantId,
    ENABLE_DEV_FAUCET: 'true',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_IP: '0',
    RATE_LIMIT_PER_CREDENTIAL: '0',
    RATE_LIMIT_EXPENSIVE_PER_CREDENTIAL: '0',
  };
}
