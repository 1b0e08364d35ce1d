import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Envelope, LocalMasterKeyProvider } from '../signer/envelope.js';
import { createPrisma, type PrismaClient } from './db.js';
import { PrismaShareStore } from './share-store.js';
import { ShareVault } from './share-vault.js';

let prisma: PrismaClient;
let walletId: string;
const envelope = new Envelope(new LocalMasterKeyProvider(randomBytes(32)));

beforeAll(async () => {
  prisma = createPrisma(process.env.DATABASE_URL!);
  const tenantId = `ten_${randomUUID()}`;
  await prisma.tenant.create({ data: { id: tenantId, name: 't' } });
  walletId = randomUUID();
  await prisma.wallet.create({ data: { id: walletId, tenantId } });
});
afterAll(async () => {
  await prisma.$disconnect();
});

describe('PrismaShareStore', () => {
  it('stores sealed records in KeyShare columns, versions them, and stays within its parties', async () => {
    const server = new PrismaShareStore(prisma, ['server', 'server-backup']);
    const client = new PrismaShareStore(prisma, ['client']);
    const ctx = { walletId, curve: 'secp256k1', party: 'server' };
    const v1 = await envelope.sealToString('server share v1', ctx);
    const v2 = await envelope.sealToString('server share v2', ctx);
    await server.put({ walletId, curve: 'secp256k1', party: 'server', version: 1 }, v1);
    await server.put({ walletId, curve: 'secp256k1', party: 'server', version: 2 }, v2);
    const latest = await server.latest(walletId, 'secp256k1', 'server');
    expect(latest?.version).toBe(2);
    expect(await envelope.openFromString(latest!.blob, ctx)).toBe('server share v2');
    expect(await server.get({ walletId, curve: 'secp256k1', party: 'server', version: 1 })).toBe(v1);
    await server.delete({ walletId, curve: 'secp256k1', party: 'server', version: 2 });
    expect((await server.latest(walletId, 'secp256k1', 'server'))?.version).toBe(1);

    const rows = await prisma.keyShare.findMany({ where: { walletId } });
    expect(JSON.stringify(rows)).not.toContain('server share');

    await expect(client.latest(walletId, 'secp256k1', 'server')).rejects.toThrow(/does not hold "server"/);
    await expect(server.put({ walletId, curve: 'ed25519', party: 'client', version: 1 }, v1)).rejects.toThrow(
      /does not hold/,
    );
    await expect(server.put({ walletId, curve: 'ed25519', party: 'server', version: 1 }, 'plaintext')).rejects.toThrow(
      /sealed records only/,
    );
  });
});

describe('ShareVault', () => {
  it('returns a reference, resolves it until the TTL, and never stores the share in clear', async () => {
    let now = Date.now();
    const vault = new ShareVault(prisma, envelope, { ttlMs: 60_000, now: () => new Date(now) });
    const share = `{"client":"${randomBytes(16).toString('hex')}"}`;
    const ref = await vault.put(walletId, 'ed25519', share);
    expect(ref).toMatch(/^vault_/);
    expect(await vault.resolve(ref)).toBe(share);
    expect(JSON.stringify(await prisma.shareVault.findMany())).not.toContain(share);
    now += 60_001;
    await expect(vault.resolve(ref)).rejects.toMatchObject({ id: 'share_ref_expired' });
    expect(await vault.purgeExpired()).toBeGreaterThanOrEqual(1);
    await expect(vault.resolve('vault_nope')).rejects.toMatchObject({ id: 'share_ref_expired' });
  });

  it('a row copied under another id does not open (AAD binds the row)', async () => {
    const vault = new ShareVault(prisma, envelope);
    const ref = await vault.put(walletId, 'ed25519', 'secret share');
    const row = await prisma.shareVault.findUniqueOrThrow({ where: { id: ref } });
    await prisma.shareVault.create({ data: { ...row, id: `vault_${randomUUID()}` } });
    const copies = await prisma.shareVault.findMany({ where: { ciphertext: row.ciphertext } });
    const copy = copies.find((c) => c.id !== ref)!;
    await expect(vault.resolve(copy.id)).rejects.toMatchObject({ id: 'envelope_open_failed' });
    await vault.delete(ref);
    await expect(vault.resolve(ref)).rejects.toMatchObject({ id: 'share_ref_expired' });
  });
});
