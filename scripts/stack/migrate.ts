/**
 * Applies prisma/migrations to a fresh test database with the real `prisma migrate deploy`
 * (the CLI runs our Wasm schema engine shim, scripts/prisma-schema-engine/engine.mjs). ≈ 1.7 s.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs the project's prisma CLI (args as for `prisma`) against `databaseUrl`; returns its stdout. */
export async function runPrismaCli(args: string[], databaseUrl: string): Promise<{ stdout: string; exitCode: number }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules/prisma/build/index.js'), ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          PRISMA_SCHEMA_ENGINE_BINARY: join(root, 'scripts/prisma-schema-engine/engine.mjs'),
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
          CHECKPOINT_DISABLE: '1',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { stdout, exitCode: 0 };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { stdout: `${e.stdout ?? ''}${e.stderr ?? ''}`, exitCode: e.code };
  }
}

export async function migrateDatabase(url: string): Promise<void> {
  const { stdout, exitCode } = await runPrismaCli(['migrate', 'deploy'], url);
  if (exitCode !== 0) throw new Error(`prisma migrate deploy failed (exit ${exitCode}):\n${stdout}`);
}
