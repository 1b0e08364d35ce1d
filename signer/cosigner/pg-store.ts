/**
 * The co-signer's own tables, in its own database (or schema) under its own role: the main service's role has no
 * grant on them, and the co-signer's role none on the main service's tables (scripts/stack/cosigner-db.ts sets
 * that up for dev and tests; docs/mpc.md for production). Shares are sealed blobs under the co-signer's own
 * key-encryption key; the signature log and the refusal log are append-only.
 */
import pg from 'pg';
import type { Curve } from '../../chains/types.js';
import type { Envelope } from '../envelope.js';
import type { CosignerShareKey, CosignerShareStore, SignatureLogEntry } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cosigner_share (
  wallet_id text NOT NULL,
  curve text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  status text NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
  blob text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wallet_id, curve, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS cosigner_share_one_active ON cosigner_share (wallet_id, curve) WHERE status = 'active';
CREATE TABLE IF NOT EXISTS cosigner_signature_log (
  id bigserial PRIMARY KEY,
  wallet_id text NOT NULL,
  curve text NOT NULL,
  version integer NOT NULL,
  payload text NOT NULL,
  caller text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS cosigner_refusal_log (
  id bigserial PRIMARY KEY,
  reason text NOT NULL,
  caller text,
  path text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
`;

export class PgCosignerStore implements CosignerShareStore {
  readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  }

  /** Creates the tables if missing (the co-signer runs this at start). */
  async migrate(): Promise<void> {
    await this.pool.query(SCHEMA);
  }

  async active(walletId: string, curve: Curve): Promise<{ version: number; blob: string } | undefined> {
    const r = await this.pool.query<{ version: number; blob: string }>(
      `SELECT version, blob FROM cosigner_share WHERE wallet_id = $1 AND curve = $2 AND status = 'active'`,
      [walletId, curve],
    );
    return r.rows[0];
  }

  async pending(key: CosignerShareKey): Promise<string | undefined> {
    const r = await this.pool.query<{ blob: string }>(
      `SELECT blob FROM cosigner_share WHERE wallet_id = $1 AND curve = $2 AND version = $3 AND status = 'pending'`,
      [key.walletId, key.curve, key.version],
    );
    return r.rows[0]?.blob;
  }

  async putPending(key: CosignerShareKey, blob: string): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO cosigner_share (wallet_id, curve, version, status, blob)
       SELECT $1, $2, $3, 'pending', $4
       WHERE NOT EXISTS (
         SELECT 1 FROM cosigner_share WHERE wallet_id = $1 AND curve = $2 AND status = 'active' AND version >= $3)
       ON CONFLICT (wallet_id, curve, version) DO UPDATE SET blob = EXCLUDED.blob, updated_at = now()
       WHERE cosigner_share.status = 'pending'`,
      [key.walletId, key.curve, key.version, blob],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async activate(key: CosignerShareKey): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const rows = await client.query<{ version: number; status: string }>(
        `SELECT version, status FROM cosigner_share WHERE wallet_id = $1 AND curve = $2 FOR UPDATE`,
        [key.walletId, key.curve],
      );
      const row = rows.rows.find((r) => r.version === key.version);
      const newerActive = rows.rows.some((r) => r.status === 'active' && r.version > key.version);
      if (!row || row.status === 'retired' || newerActive) {
        await client.query('ROLLBACK');
        return false;
      }
      if (row.status === 'pending') {
        await client.query(
          `UPDATE cosigner_share SET status = 'retired', updated_at = now()
           WHERE wallet_id = $1 AND curve = $2 AND status = 'active'`,
          [key.walletId, key.curve],
        );
        await client.query(
          `UPDATE cosigner_share SET status = 'active', updated_at = now()
           WHERE wallet_id = $1 AND curve = $2 AND version = $3`,
          [key.walletId, key.curve, key.version],
        );
      }
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async logSignature(e: SignatureLogEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO cosigner_signature_log (wallet_id, curve, version, payload, caller) VALUES ($1, $2, $3, $4, $5)`,
      [e.walletId, e.curve, e.version, e.payload, e.caller],
    );
  }

  async logRefusal(e: { reason: string; caller: string | undefined; path: string }): Promise<void> {
    await this.pool.query(`INSERT INTO cosigner_refusal_log (reason, caller, path) VALUES ($1, $2, $3)`, [
      e.reason,
      e.caller ?? null,
      e.path,
    ]);
  }

  /**
   * Key rotation: re-wraps every share's data key under the envelope's current key (the ciphertext is untouched).
   * A row changed meanwhile is left for the next run. Returns the counts.
   */
  async rewrapAll(envelope: Envelope): Promise<{ rewrapped: number; current: number; failed: string[] }> {
    const out = { rewrapped: 0, current: 0, failed: [] as string[] };
    const rows = await this.pool.query<{ wallet_id: string; curve: Curve; version: number; blob: string }>(
      `SELECT wallet_id, curve, version, blob FROM cosigner_share ORDER BY wallet_id, curve, version`,
    );
    for (const r of rows.rows) {
      const name = `${r.wallet_id}/${r.curve}/v${r.version}`;
      try {
        const next = await envelope.rewrapString(r.blob, { walletId: r.wallet_id, curve: r.curve, party: 'client' });
        if (!next) {
          out.current++;
          continue;
        }
        const u = await this.pool.query(
          `UPDATE cosigner_share SET blob = $4, updated_at = now()
           WHERE wallet_id = $1 AND curve = $2 AND version = $3 AND blob = $5`,
          [r.wallet_id, r.curve, r.version, next, r.blob],
        );
        if (u.rowCount === 1) out.rewrapped++;
      } catch {
        out.failed.push(name);
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
