/**
 * Master key rotation: re-wraps the data key of every sealed record under an old key id with the current key
 * (shares themselves are not touched). Safe to run again and to interrupt: it only does what is left.
 *   npm run keys:rewrap [-- --batch 100] [-- --from <keyId> ...]
 * Configuration as for the API/worker (DATABASE_URL, KEY_PROVIDER, MASTER_KEY, MASTER_KEY_PREVIOUS, AWS_KMS_*).
 * Exit 0: nothing is left under the old keys; 1: some rows failed (listed); 2: bad usage.
 */
import { loadConfig } from '../config/env.js';
import { Envelope } from '../signer/envelope.js';
import { keyRingFromConfig } from '../signer/key-providers/from-config.js';
import { createPrisma } from '../storage/db.js';
import { rewrapSealedRecords } from '../storage/rewrap.js';

function parseArgs(argv: string[]): { batch: number; from: string[] } {
  const out = { batch: 100, from: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--batch' && value && /^[1-9][0-9]{0,4}$/.test(value)) out.batch = Number(value);
    else if (arg === '--from' && value) out.from.push(value);
    else {
      console.error('usage: npm run keys:rewrap -- [--batch N] [--from <keyId>]...');
      process.exit(2);
    }
    i++;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const ring = keyRingFromConfig(config);
  const envelope = new Envelope(ring);
  const from = args.from.length > 0 ? args.from : ring.previousKeyIds;
  for (const id of from)
    if (!ring.keyIds.includes(id)) {
      console.error(`key id ${id} is not configured (MASTER_KEY_PREVIOUS / AWS_KMS_PREVIOUS_KEY_IDS)`);
      process.exit(2);
    }
  console.log(`[rewrap] current key ${ring.keyId}; moving records from: ${from.join(', ') || '(no previous keys)'}`);
  const prisma = createPrisma(config.DATABASE_URL);
  try {
    const report = await rewrapSealedRecords(prisma, envelope, {
      from,
      known: ring.keyIds,
      batchSize: args.batch,
      log: (line) => console.log(`[rewrap] ${line}`),
    });
    const r = report.rewrapped;
    console.log(
      `[rewrap] rewrapped: KeyShare ${r.KeyShare}, ShareVault ${r.ShareVault}, WebhookEndpoint ${r.WebhookEndpoint}; changed meanwhile ${report.changed}`,
    );
    for (const [keyId, n] of Object.entries(report.unknownKeyIds))
      console.warn(`[rewrap] warning: ${n} record(s) under key id ${keyId}, which no configured key holds`);
    for (const f of report.failed) console.error(`[rewrap] failed: ${f.table} ${f.row} (key ${f.keyId}): ${f.error}`);
    if (report.failed.length > 0 || report.changed > 0) {
      console.error('[rewrap] some records are still under old keys: keep those keys configured and run again');
      process.exitCode = 1;
    } else console.log('[rewrap] done: no record is left under the keys moved from');
  } finally {
    await prisma.$disconnect();
    ring.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
