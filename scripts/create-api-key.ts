/**
 * Creates a server API key for a tenant (the tenant too, if new) and prints it once; only its hash is stored.
 * This is how a production deployment gets its first key (NODE_ENV=production never seeds DEV_API_KEY).
 *   npm run api-key -- <tenantId> [label]          (env: DATABASE_URL)
 */
import { generateApiKey, keyPrefix, seedServerKey } from '../api/auth.js';
import { loadConfig } from '../config/env.js';
import { recordAudit, SYSTEM_ACTOR } from '../storage/audit.js';
import { createPrisma } from '../storage/db.js';

async function main(): Promise<void> {
  const [tenantId, label = 'created with npm run api-key'] = process.argv.slice(2);
  if (!tenantId || !/^[A-Za-z0-9._-]{1,100}$/.test(tenantId)) {
    console.error('usage: npm run api-key -- <tenantId> [label]   (tenantId: letters, digits, ".", "_", "-")');
    process.exit(2);
  }
  const prisma = createPrisma(loadConfig().DATABASE_URL);
  try {
    const key = generateApiKey('sk');
    await seedServerKey(prisma, tenantId, key, label);
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { prefix: keyPrefix(key) } });
    await recordAudit(prisma, {
      tenantId,
      type: 'credential_created',
      actor: SYSTEM_ACTOR,
      details: { credential: 'server_api_key', keyId: row.id, label },
    });
    console.log(key);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
