// PostgreSQL access for the Wasm schema engine, through @prisma/adapter-pg, with two fixes the engine needs:
//  - adapter-pg cannot map Postgres's internal `"char"` type (OID 18, e.g. pg_constraint.contype) that the engine's
//    introspection queries return; the engine must see it as Character (as Text it panics).
//  - adapter-pg's executeScript() splits the script on every `;` (also inside strings, comments, function bodies) and
//    runs the pieces one by one; here the whole script goes to PostgreSQL as one simple-protocol query, which runs it
//    as one implicit transaction, as the native engine does.
//  - adapter-pg's own connectToShadowDb() keeps the connection string (which overrides the shadow database name, so it
//    would connect to the main database) and drops the shadow database while its pool is still open. Here the shadow
//    database gets its own pool and is dropped WITH (FORCE), also at exit for any the engine did not dispose.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/** Splits a postgres:// URL into pg connection fields (so a database name can be swapped in). */
export function connectionFields(url) {
  const u = new URL(url);
  const fields = {
    host: decodeURIComponent(u.hostname) || undefined,
    port: u.port ? Number(u.port) : undefined,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
  const host = u.searchParams.get('host');
  if (host) fields.host = host; // unix socket directory
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode && sslmode !== 'disable') fields.ssl = sslmode === 'no-verify' ? { rejectUnauthorized: false } : true;
  const schema = u.searchParams.get('schema');
  return { fields, schema: schema ?? undefined };
}

/** Makes a queryable (adapter or transaction) report `"char"` columns as Character and run scripts whole. */
function fixQueryable(queryable) {
  // queryRaw(query) calls this.performIO(query) with the same query object: remember its "char" columns by query.
  const charColumnsByQuery = new WeakMap();
  const performIO = queryable.performIO.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    const charColumns = [];
    for (const [i, field] of result.fields.entries()) {
      if (field.dataTypeID === PG_CHAR_OID) charColumns.push(i);
    }
    if (charColumns.length === 0) return result;
    charColumnsByQuery.set(query, charColumns);
    // adapter-pg maps every other column as usual; the "char" ones are patched once it is done.
    const fields = result.fields.map((f) => (f.dataTypeID === PG_CHAR_OID ? { ...f, dataTypeID: PG_TEXT_OID } : f));
    return { ...result, fields };
  };
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumnsByQuery.get(query) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  if (typeof queryable.executeScript === 'function') {
    queryable.executeScript = async (script) => {
      try {
        await queryable.client.query(script);
      } catch (error) {
        queryable.onError(error);
      }
    };
  }
  if (typeof queryable.startTransaction === 'function') {
    const startTransaction = queryable.startTransaction.bind(queryable);
    queryable.startTransaction = async (...args) => fixQueryable(await startTransaction(...args));
  }
  return queryable;
}

async function dropDatabase(adminFields, database) {
  const client = new pg.Client({ ...adminFields, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Driver adapter factory for the engine: `connect()` opens the main database, `connectToShadowDb()` creates a
 * throwaway `prisma_migrate_shadow_db_<uuid>` (or uses `shadowDatabaseUrl` as is). `dropLeftoverShadowDbs()` must run
 * before the process exits.
 */
export function createAdapterFactory({ url, shadowDatabaseUrl }) {
  const main = connectionFields(url);
  const pgOptions = main.schema ? { schema: main.schema } : undefined;
  const mainFactory = new PrismaPg(main.fields, pgOptions);
  const created = new Set();

  const factory = {
    provider: 'postgres',
    adapterName: mainFactory.adapterName,
    async connect() {
      return fixQueryable(await mainFactory.connect());
    },
    async connectToShadowDb() {
      if (shadowDatabaseUrl) {
        const shadow = connectionFields(shadowDatabaseUrl);
        return fixQueryable(await new PrismaPg(shadow.fields, pgOptions).connect());
      }
      const database = `prisma_migrate_shadow_db_${randomUUID()}`;
      const admin = new pg.Client({ ...main.fields });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${database}"`);
      } finally {
        await admin.end();
      }
      created.add(database);
      const adapter = await new PrismaPg({ ...main.fields, database }, pgOptions).connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await dropDatabase(main.fields, database);
        created.delete(database);
      };
      return fixQueryable(adapter);
    },
  };

  return {
    factory: bindMigrationAwareSqlAdapterFactory(factory),
    async dropLeftoverShadowDbs() {
      for (const database of [...created]) {
        await dropDatabase(main.fields, database).catch(() => {});
        created.delete(database);
      }
    },
  };
}
