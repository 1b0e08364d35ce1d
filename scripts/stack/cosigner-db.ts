/**
 * The co-signer's own database and role on a PostgreSQL server the dev stack (or a test) administers: a LOGIN role
 * that owns a database nobody else may connect to (CONNECT revoked from PUBLIC). Idempotent; returns its URL.
 * In production the same separation is set up by whoever runs the database (docs/mpc.md "The co-signer").
 */
import pg from 'pg';

export interface CosignerDatabase {
  url: string;
  role: string;
  database: string;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad identifier ${name}`);
  return `"${name}"`;
};

export async function provisionCosignerDatabase(
  adminUrl: string,
  opts: { role?: string; database?: string; password: string },
): Promise<CosignerDatabase> {
  const role = opts.role ?? 'chainflow_cosigner';
  const database = opts.database ?? 'chainflow_cosigner';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const password = opts.password.replace(/'/g, "''");
    await admin.query(
      exists.rowCount
        ? `ALTER ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`
        : `CREATE ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`,
    );
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!db.rowCount) await admin.query(`CREATE DATABASE ${ident(database)} OWNER ${ident(role)}`);
    await admin.query(`REVOKE ALL ON DATABASE ${ident(database)} FROM PUBLIC`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.username = role;
  url.password = opts.password;
  url.pathname = `/${database}`;
  return { url: url.toString(), role, database };
}

/**
 * A role for the main service that is not a superuser (the dev stack's `postgres` is one, and a superuser reads
 * every database): used by the test that shows the main service's credentials cannot read the co-signer's data.
 */
export async function provisionAppRole(adminUrl: string, role: string, password: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (!exists.rowCount)
      await admin.query(`CREATE ROLE ${ident(role)} LOGIN NOSUPERUSER PASSWORD '${password.replace(/'/g, "''")}'`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}
