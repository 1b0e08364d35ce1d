import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrismaCli } from '../scripts/stack/migrate.js';
import { createPrisma, decimalToString, Prisma, type PrismaClient } from './db.js';

const databaseUrl = process.env.DATABASE_URL!;

describe('schema.prisma and prisma/migrations', () => {
  it('agree: replaying the migrations gives exactly the schema (no drift)', async () => {
    const diff = await runPrismaCli(
      [
        'migrate',
        'diff',
        '--from-migrations',
        'prisma/migrations',
        '--to-schema',
        'prisma/schema.prisma',
        '--exit-code',
      ],
      databaseUrl,
    );
    expect(diff.stdout).toContain('No difference detected');
    expect(diff.exitCode).toBe(0);
  });

  it('the drift check does catch a schema change that has no migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-drift-'));
    try {
      const changed = readFileSync('prisma/schema.prisma', 'utf8').replace(
        /model Tenant \{\n/,
        'model Tenant {\n  driftCheck Int?\n',
      );
      writeFileSync(join(dir, 'schema.prisma'), changed);
      const diff = await runPrismaCli(
        [
          'migrate',
          'diff',
          '--from-migrations',
          'prisma/migrations',
          '--to-schema',
          join(dir, 'schema.prisma'),
          '--exit-code',
          '--script',
        ],
        databaseUrl,
      );
      expect(diff.exitCode).toBe(2);
      expect(diff.stdout).toMatch(/ALTER TABLE "Tenant" ADD COLUMN\s+"driftCheck" INTEGER/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leave no shadow database behind', async () => {
    const prisma = createPrisma(databaseUrl);
    try {
      const shadows = await prisma.$queryRaw<{ datname: string }[]>`
        SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'`;
      expect(shadows).toEqual([]);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('are all applied to the test database', async () => {
    const status = await runPrismaCli(['migrate', 'status'], databaseUrl);
    expect(status.stdout).toContain('Database schema is up to date');
    expect(status.exitCode).toBe(0);
  });
});

describe('generated client on the migrated database', () => {
  let prisma: PrismaClient;
  beforeAll(() => {
    prisma = createPrisma(databaseUrl);
  });
  afterAll(async () => {
    await prisma.$disconnect();
  });

  it('round-trips every model (create, then read back)', async () => {
    const id = (p: string) => `${p}_${randomUUID()}`;
    const covered: string[] = [];
    const roundTrip = async <T extends object>(model: string, created: T, read: () => Promise<T | null>) => {
      expect(await read()).toEqual(created);
      covered.push(model);
    };

    const tenant = await prisma.tenant.create({ data: { id: id('ten'), name: 'Acme' } });
    await roundTrip('Tenant', tenant, () => prisma.tenant.findUnique({ where: { id: tenant.id } }));

    const client = await prisma.client.create({ data: { id: id('cli'), tenantId: tenant.id } });
    await roundTrip('Client', client, () => prisma.client.findUnique({ where: { id: client.id } }));

    const apiKey = await prisma.apiKey.create({
      data: {
        id: id('key'),
        tenantId: tenant.id,
        prefix: id('sk'),
        hash: 'h'.repeat(64),
        kind: 'client_test',
        clientId: client.id,
      },
    });
    await roundTrip('ApiKey', apiKey, () => prisma.apiKey.findUnique({ where: { prefix: apiKey.prefix } }));

    const now = new Date();
    const session = await prisma.clientSession.create({
      data: {
        id: id('ses'),
        clientId: client.id,
        prefix: id('cst'),
        hash: 'h'.repeat(64),
        expiresAt: new Date(now.getTime() + 86_400_000),
        hardExpiresAt: new Date(now.getTime() + 7 * 86_400_000),
      },
    });
    await roundTrip('ClientSession', session, () => prisma.clientSession.findUnique({ where: { id: session.id } }));

    const wallet = await prisma.wallet.create({
      data: { id: id('wal'), tenantId: tenant.id, userId: id('user'), secp256k1PublicKey: '02'.padEnd(66, 'a') },
    });
    expect(wallet.custody).toBe('server');
    await roundTrip('Wallet', wallet, () =>
      prisma.wallet.findUnique({ where: { tenantId_userId: { tenantId: tenant.id, userId: wallet.userId! } } }),
    );

    const address = await prisma.walletAddress.create({
      data: { walletId: wallet.id, network: 'anvil', address: `0x${'1'.repeat(40)}` },
    });
    await roundTrip('WalletAddress', address, () =>
      prisma.walletAddress.findUnique({ where: { walletId_network: { walletId: wallet.id, network: 'anvil' } } }),
    );

    const share = await prisma.keyShare.create({
      data: {
        walletId: wallet.id,
        curve: 'secp256k1',
        party: 'server',
        keyId: 'k1',
        wrappedKey: 'wk',
        iv: 'iv',
        tag: 'tag',
        ciphertext: 'ct',
      },
    });
    expect(share).toMatchObject({ version: 1, status: 'active' });
    await roundTrip('KeyShare', share, () =>
      prisma.keyShare.findUnique({
        where: {
          walletId_curve_party_version: { walletId: wallet.id, curve: 'secp256k1', party: 'server', version: 1 },
        },
      }),
    );

    const pair = await prisma.signingSharePair.create({
      data: { id: id('cm'), walletId: wallet.id, curve: 'secp256k1', keyVersion: 1, kind: 'signing' },
    });
    expect(pair).toMatchObject({ status: 'incomplete', confirmedAt: null });
    await roundTrip('SigningSharePair', pair, () =>
      prisma.signingSharePair.findUnique({
        where: {
          walletId_curve_kind_keyVersion: { walletId: wallet.id, curve: 'secp256k1', kind: 'signing', keyVersion: 1 },
        },
      }),
    );

    const transfer = await prisma.transfer.create({
      data: {
        id: id('tr'),
        tenantId: tenant.id,
        walletId: wallet.id,
        idempotencyKey: id('idem'),
        requestHash: 'r'.repeat(64),
        workflowId: id('wf'),
        chain: 'anvil',
        caip2: 'eip155:31337',
        fromAddress: address.address,
        toAddress: `0x${'2'.repeat(40)}`,
        token: 'ETH',
        tokenDecimals: 18,
        amount: '1.5',
        rawAmount: '1500000000000000000',
        requiredConfirmations: 1,
      },
    });
    expect(transfer).toMatchObject({ status: 'pending', confirmations: 0 });
    await roundTrip('Transfer', transfer, () =>
      prisma.transfer.findUnique({
        where: {
          tenantId_idempotencyScope_idempotencyKey: {
            tenantId: tenant.id,
            idempotencyScope: transfer.idempotencyScope,
            idempotencyKey: transfer.idempotencyKey,
          },
        },
      }),
    );

    const details = { nonce: '7', gas: { limit: '21000' }, list: [1, 'two', null] };
    const attempt = await prisma.transferAttempt.create({
      data: { transferId: transfer.id, attempt: 1, txHash: `0x${'a'.repeat(64)}`, raw: '0x02f8', details },
    });
    expect(attempt.details).toEqual(details);
    await roundTrip('TransferAttempt', attempt, () =>
      prisma.transferAttempt.findUnique({ where: { transferId_attempt: { transferId: transfer.id, attempt: 1 } } }),
    );

    // Decimal(78, 0) holds any uint256: check a full-width value survives and prints without exponent.
    const maxUint256 = (2n ** 256n - 1n).toString();
    const cursorAddress = id('addr');
    const cursor = await prisma.nonceCursor.create({
      data: { network: 'anvil', address: cursorAddress, next: new Prisma.Decimal(maxUint256) },
    });
    expect(decimalToString(cursor.next)).toBe(maxUint256);
    await roundTrip('NonceCursor', cursor, () =>
      prisma.nonceCursor.findUnique({ where: { network_address: { network: 'anvil', address: cursorAddress } } }),
    );

    const reservation = await prisma.nonceReservation.create({
      data: {
        network: 'anvil',
        address: cursorAddress,
        nonce: new Prisma.Decimal('1000000000000000000000'),
        transferId: transfer.id,
      },
    });
    expect(decimalToString(reservation.nonce)).toBe('1000000000000000000000');
    await roundTrip('NonceReservation', reservation, () =>
      prisma.nonceReservation.findUnique({ where: { transferId: transfer.id } }),
    );

    const outpoint = `${'b'.repeat(64)}:${Math.floor(Math.random() * 1e9)}`;
    const utxo = await prisma.utxoReservation.create({
      data: { network: 'regtest', outpoint, transferId: transfer.id },
    });
    await roundTrip('UtxoReservation', utxo, () =>
      prisma.utxoReservation.findUnique({ where: { network_outpoint: { network: 'regtest', outpoint } } }),
    );

    const vault = await prisma.shareVault.create({
      data: {
        id: id('vault'),
        walletId: wallet.id,
        curve: 'ed25519',
        keyId: 'k1',
        wrappedKey: 'wk',
        iv: 'iv',
        tag: 'tag',
        ciphertext: 'ct',
        expiresAt: new Date(now.getTime() + 60_000),
      },
    });
    await roundTrip('ShareVault', vault, () => prisma.shareVault.findUnique({ where: { id: vault.id } }));

    const webhook = await prisma.webhookEndpoint.create({
      data: {
        id: id('wh'),
        tenantId: tenant.id,
        url: 'https://example.test/hook',
        secretCiphertext: 'ct',
        events: ['transfer.confirmed', 'transfer.failed'],
      },
    });
    await roundTrip('WebhookEndpoint', webhook, () => prisma.webhookEndpoint.findUnique({ where: { id: webhook.id } }));

    const audit = await prisma.auditEvent.create({
      data: {
        id: id('aud'),
        tenantId: tenant.id,
        type: 'wallet_locked',
        walletId: id('w'),
        curve: 'secp256k1',
        actorKind: 'system',
        details: { reason: 'mpc_bad_proof' },
      },
    });
    await roundTrip('AuditEvent', audit, () => prisma.auditEvent.findUnique({ where: { id: audit.id } }));

    const lock = await prisma.walletSigningLock.create({
      data: { walletId: id('w'), curve: 'secp256k1', reason: 'mpc_bad_proof' },
    });
    await roundTrip('WalletSigningLock', lock, () =>
      prisma.walletSigningLock.findUnique({
        where: { walletId_curve: { walletId: lock.walletId, curve: 'secp256k1' } },
      }),
    );
    const event = await prisma.webhookEvent.create({
      data: {
        id: id('evt'),
        tenantId: tenant.id,
        type: 'transfer.submitted',
        transferId: id('tr'),
        sequence: 1,
        payload: { status: 'submitted', sequence: 1 },
      },
    });
    await roundTrip('WebhookEvent', event, () => prisma.webhookEvent.findUnique({ where: { id: event.id } }));
    const delivery = await prisma.webhookDelivery.create({
      data: { id: id('dlv'), tenantId: tenant.id, endpointId: webhook.id, eventId: event.id, sequence: 1 },
    });
    await roundTrip('WebhookDelivery', delivery, () =>
      prisma.webhookDelivery.findUnique({ where: { id: delivery.id } }),
    );
    const logged = await prisma.webhookAttempt.create({
      data: {
        id: id('wha'),
        tenantId: tenant.id,
        endpointId: webhook.id,
        deliveryId: delivery.id,
        eventId: event.id,
        eventType: event.type,
        attempt: 1,
        statusCode: 503,
        durationMs: 12,
        error: 'HTTP 503',
      },
    });
    await roundTrip('WebhookAttempt', logged, () => prisma.webhookAttempt.findUnique({ where: { id: logged.id } }));

    // A model added to schema.prisma must get a round trip here too.
    expect(covered.sort()).toEqual(Object.values(Prisma.ModelName).sort());

    // Relations resolve through the foreign keys the migration created.
    const loaded = await prisma.tenant.findUniqueOrThrow({
      where: { id: tenant.id },
      include: { wallets: { include: { addresses: true, shares: true, transfers: { include: { attempts: true } } } } },
    });
    expect(loaded.wallets[0]?.transfers[0]?.attempts[0]?.txHash).toBe(attempt.txHash);
    await expect(
      prisma.walletAddress.create({ data: { walletId: id('missing'), network: 'anvil', address: '0x0' } }),
    ).rejects.toThrow(/Foreign key constraint/);
  });
});
