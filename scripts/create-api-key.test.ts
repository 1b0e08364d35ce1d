import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret, keyPrefix, serverKeyResolver } from '../api/auth.js';
import { createPrisma } from '../storage/db.js';

const run = promisify(execFile);
const prisma = createPrisma(process.env.DATABASE_URL!);
afterAll(() => prisma.$disconnect());

describe('npm run api-key', () => {
  it('creates a working server key for a new tenant, prints it once, stores only its hash, and audits it', async () => {
    const tenantId = `tenant-cli-${randomUUID()}`;
    const { stdout } = await run('npx', ['tsx', 'scripts/create-api-key.ts', tenantId, 'ops laptop'], {
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const key = stdout.trim();
    expect(key).toMatch(/^cfsk_[A-Za-z0-9_-]{32}$/);
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { prefix: keyPrefix(key) } });
    expect(row).toMatchObject({ tenantId, kind: 'server', label: 'ops laptop', hash: hashSecret(key) });
    expect(JSON.stringify(row)).not.toContain(key);
    expect(await serverKeyResolver(prisma)(key)).toMatchObject({ tenantId, kind: 'server' });
    const events = await prisma.auditEvent.findMany({ where: { tenantId } });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'credential_created',
        actorKind: 'system',
        details: { credential: 'server_api_key', keyId: row.id, label: 'ops laptop' },
      }),
    ]);
  });

  it('refuses a missing or malformed tenant id', async () => {
    await expect(run('npx', ['tsx', 'scripts/create-api-key.ts', 'bad tenant!'])).rejects.toMatchObject({ code: 2 });
  });
});
