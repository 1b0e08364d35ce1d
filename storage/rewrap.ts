/**
 * Master key rotation at rest (`npm run keys:rewrap`): every sealed record under an old key id gets its data key
 * re-wrapped under the current key. Only `keyId` and `wrappedKey` change; iv, tag and ciphertext (the share itself)
 * are written back byte for byte as they were.
 *
 * Where sealed records live: `KeyShare` (key shares, columns), `ShareVault` (client shares in flight, columns) and
 * `WebhookEndpoint.secretCiphertext` / `previousSecretCiphertext` (JSON strings).
 *
 * Batches of rows in key order; each row is one conditional UPDATE (its own transaction) that only applies if the
 * row still holds the record that was read, so a row changed meanwhile (a new share version, a secret rotation) is
 * left alone and counted as `changed`. Rows already under the current key are not selected: a second run, or a run
 * after an interruption, only does what is left. No key material is held across rows or logged.
 */
import { BaseError } from '../errors/base.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Envelope, EnvelopeContext, SealedRecord } from '../signer/envelope.js';
import { webhookSecretContext } from '../webhooks/secrets.js';
import { vaultShareContext } from './share-vault.js';

export type SealedTable = 'KeyShare' | 'ShareVault' | 'WebhookEndpoint';

export interface RewrapFailure {
  table: SealedTable;
  /** The row's key (no secret). */
  row: string;
  keyId: string;
  /** A stable error id (`envelope_open_failed`) or `error`. */
  error: string;
}

export interface RewrapReport {
  /** Rows whose data keys now sit under the current key, per table. */
  rewrapped: Record<SealedTable, number>;
  /** Rows that changed between read and write (left as they are now). */
  changed: number;
  failed: RewrapFailure[];
  /** Rows under key ids that no configured key holds (nothing can open them), per key id. */
  unknownKeyIds: Record<string, number>;
}

export interface RewrapOptions {
  /** Key ids to move away from (default: every previous key of the ring). */
  from: readonly string[];
  /** Every key id the configuration can unwrap (current and previous); others are reported as unknown. */
  known: readonly string[];
  batchSize?: number;
  /** Progress, one line per batch (no secrets). */
  log?: (line: string) => void;
}

function columnsOf(row: SealedRecord): SealedRecord {
  return { keyId: row.keyId, wrappedKey: row.wrappedKey, iv: row.iv, tag: row.tag, ciphertext: row.ciphertext };
}

function errorId(err: unknown): string {
  return err instanceof BaseError ? err.id : 'error';
}

/** The key id inside a JSON-string record, or undefined when it is not one. */
function keyIdOf(blob: string | null): string | undefined {
  if (!blob) return undefined;
  try {
    const id = (JSON.parse(blob) as { keyId?: unknown }).keyId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export async function rewrapSealedRecords(
  prisma: PrismaClient,
  envelope: Envelope,
  options: RewrapOptions,
): Promise<RewrapReport> {
  const from = [...new Set(options.from)].filter((id) => id !== envelope.keyId);
  const batchSize = options.batchSize ?? 100;
  const log = options.log ?? (() => {});
  const report: RewrapReport = {
    rewrapped: { KeyShare: 0, ShareVault: 0, WebhookEndpoint: 0 },
    changed: 0,
    failed: [],
    unknownKeyIds: {},
  };
  const rewrapRecord = async (
    table: SealedTable,
    row: string,
    record: SealedRecord,
    ctx: EnvelopeContext,
  ): Promise<SealedRecord | undefined> => {
    try {
      return await envelope.rewrap(record, ctx);
    } catch (err) {
      report.failed.push({ table, row, keyId: record.keyId, error: errorId(err) });
      return undefined;
    }
  };

  if (from.length > 0) {
    // KeyShare: keyset pagination on the primary key.
    let after: [string, string, string, number] | undefined;
    for (;;) {
      const rows = after
        ? await prisma.$queryRaw<
            (SealedRecord & { walletId: string; curve: string; party: string; version: number })[]
          >`
            SELECT "walletId", "curve", "party", "version", "keyId", "wrappedKey", "iv", "tag", "ciphertext"
            FROM "KeyShare"
            WHERE "keyId" = ANY(${from})
              AND ("walletId", "curve", "party", "version") > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})
            ORDER BY "walletId", "curve", "party", "version" LIMIT ${batchSize}`
        : await prisma.$queryRaw<
            (SealedRecord & { walletId: string; curve: string; party: string; version: number })[]
          >`
            SELECT "walletId", "curve", "party", "version", "keyId", "wrappedKey", "iv", "tag", "ciphertext"
            FROM "KeyShare"
            WHERE "keyId" = ANY(${from})
            ORDER BY "walletId", "curve", "party", "version" LIMIT ${batchSize}`;
      if (rows.length === 0) break;
      for (const row of rows) {
        const name = `${row.walletId}/${row.curve}/${row.party}/v${row.version}`;
        const old = columnsOf(row);
        const next = await rewrapRecord('KeyShare', name, old, {
          walletId: row.walletId,
          curve: row.curve,
          party: row.party,
        });
        if (!next) continue;
        const { count } = await prisma.keyShare.updateMany({
          where: {
            walletId: row.walletId,
            curve: row.curve,
            party: row.party,
            version: row.version,
            ...old,
          },
          data: { keyId: next.keyId, wrappedKey: next.wrappedKey },
        });
        if (count === 1) report.rewrapped.KeyShare++;
        else report.changed++;
      }
      const last = rows[rows.length - 1]!;
      after = [last.walletId, last.curve, last.party, Number(last.version)];
      log(`KeyShare: ${report.rewrapped.KeyShare} rewrapped, ${report.failed.length} failed so far`);
    }

    // ShareVault: client shares in flight (short-lived, but a row under a removed key would fail a transfer).
    let vaultAfter: string | undefined;
    for (;;) {
      const rows = await prisma.shareVault.findMany({
        where: { keyId: { in: from }, ...(vaultAfter ? { id: { gt: vaultAfter } } : {}) },
        orderBy: { id: 'asc' },
        take: batchSize,
      });
      if (rows.length === 0) break;
      for (const row of rows) {
        const old = columnsOf(row);
        const next = await rewrapRecord('ShareVault', row.id, old, vaultShareContext(row.id, row.walletId, row.curve));
        if (!next) continue;
        const { count } = await prisma.shareVault.updateMany({
          where: { id: row.id, ...old },
          data: { keyId: next.keyId, wrappedKey: next.wrappedKey },
        });
        if (count === 1) report.rewrapped.ShareVault++;
        else report.changed++;
      }
      vaultAfter = rows[rows.length - 1]!.id;
      log(`ShareVault: ${report.rewrapped.ShareVault} rewrapped`);
    }
  }

  // WebhookEndpoint: the records are JSON strings, so every endpoint is read (there are few).
  let hookAfter: string | undefined;
  const known = new Set(options.known);
  const countUnknown = (keyId: string | undefined) => {
    if (keyId && !known.has(keyId)) report.unknownKeyIds[keyId] = (report.unknownKeyIds[keyId] ?? 0) + 1;
  };
  for (;;) {
    const rows = await prisma.webhookEndpoint.findMany({
      where: hookAfter ? { id: { gt: hookAfter } } : {},
      orderBy: { id: 'asc' },
      take: batchSize,
      select: { id: true, secretCiphertext: true, previousSecretCiphertext: true },
    });
    if (rows.length === 0) break;
    for (const row of rows) {
      countUnknown(keyIdOf(row.secretCiphertext));
      countUnknown(keyIdOf(row.previousSecretCiphertext));
      const move = async (blob: string | null, slot: 'current' | 'previous'): Promise<string | null | false> => {
        const keyId = keyIdOf(blob);
        if (!blob || !keyId || !from.includes(keyId)) return blob;
        try {
          return (await envelope.rewrapString(blob, webhookSecretContext(row.id, slot))) ?? blob;
        } catch (err) {
          report.failed.push({ table: 'WebhookEndpoint', row: `${row.id}/${slot}`, keyId, error: errorId(err) });
          return false;
        }
      };
      const current = await move(row.secretCiphertext, 'current');
      const previous = await move(row.previousSecretCiphertext, 'previous');
      if (current === false || previous === false) continue;
      if (current === row.secretCiphertext && previous === row.previousSecretCiphertext) continue;
      const { count } = await prisma.webhookEndpoint.updateMany({
        where: {
          id: row.id,
          secretCiphertext: row.secretCiphertext,
          previousSecretCiphertext: row.previousSecretCiphertext,
        },
        data: { secretCiphertext: current as string, previousSecretCiphertext: previous },
      });
      if (count === 1) report.rewrapped.WebhookEndpoint++;
      else report.changed++;
    }
    hookAfter = rows[rows.length - 1]!.id;
  }
  log(`WebhookEndpoint: ${report.rewrapped.WebhookEndpoint} rewrapped`);

  for (const table of ['keyShare', 'shareVault'] as const) {
    const groups =
      table === 'keyShare'
        ? await prisma.keyShare.groupBy({ by: ['keyId'], where: { keyId: { notIn: [...known] } }, _count: true })
        : await prisma.shareVault.groupBy({ by: ['keyId'], where: { keyId: { notIn: [...known] } }, _count: true });
    for (const g of groups) report.unknownKeyIds[g.keyId] = (report.unknownKeyIds[g.keyId] ?? 0) + g._count;
  }
  return report;
}
