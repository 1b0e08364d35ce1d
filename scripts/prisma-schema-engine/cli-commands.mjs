// The engine's one-shot `cli` commands, which the prisma CLI runs before migrate/db commands.
// Failures go to stderr as ERROR log lines with Prisma's error codes (P1003: database does not exist, …); the CLI
// drops the first stderr line, so an INFO line always comes first.
import pg from 'pg';
import { connectionFields } from './adapter.mjs';
import { logLine } from './log.mjs';

/** Maps a pg connection error to the Prisma error code the CLI acts on. */
function prismaCode(error, database) {
  switch (error?.code) {
    case '3D000':
      return ['P1003', `Database \`${database}\` does not exist`];
    case '28P01':
    case '28000':
      return ['P1000', 'Authentication failed against the database server.'];
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
      return ['P1001', "Can't reach database server."];
    default:
      return ['P1000', String(error?.message ?? error)];
  }
}

function fail(error, database) {
  const [code, message] = prismaCode(error, database);
  logLine('INFO', 'Starting schema engine CLI');
  logLine('ERROR', message, { error_code: code });
  return 1;
}

/** Returns undefined when the database accepts a connection, else 1 after logging the error. */
export async function canConnect(url) {
  const { fields } = connectionFields(url);
  const client = new pg.Client(fields);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return fail(error, fields.database);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the URL's database (connected to the `postgres` maintenance database). */
export async function createDatabase(url) {
  const { fields } = connectionFields(url);
  const client = new pg.Client({ ...fields, database: 'postgres' });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE "${fields.database.replaceAll('"', '""')}"`);
    logLine('INFO', `Database ${fields.database} created`);
    return undefined;
  } catch (error) {
    return fail(error, fields.database);
  } finally {
    await client.end().catch(() => {});
  }
}
