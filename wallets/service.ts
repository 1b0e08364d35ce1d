/**
 * Wallets: one secp256k1 and one ed25519 key per wallet (through the Signer), one address per network
 * derived by the chain adapters. Every lookup is scoped to a tenant.
 */
import { randomUUID } from 'node:crypto';
import type { ChainRegistry } from '../chains/registry.js';
import type { Curve } from '../chains/types.js';
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { Prisma, PrismaClient, Wallet } from '../generated/prisma/client.js';
import type { Signer } from '../signer/types.js';
import { recordWalletCreated } from '../webhooks/outbox.js';
import type { WalletView } from './view.js';

export type { WalletView } from './view.js';

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * A server wallet row without keys older than this was left by a process that died during key generation
 * (which takes seconds): the next create for its userId removes it and starts again. Younger, it is in progress.
 */
export const ABANDONED_KEYGEN_MS = 5 * 60_000;

const hasKeys = (w: Wallet) => w.secp256k1PublicKey !== null && w.ed25519PublicKey !== null;

export class WalletService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly chains: ChainRegistry,
    private readonly signer: Signer,
    private readonly abandonedKeygenMs = ABANDONED_KEYGEN_MS,
  ) {}

  /**
   * Server wallet for `userId` (Dynamic-style). Idempotent per (tenant, userId). Never answers a wallet without
   * keys: one still being generated is `409 wallet_creation_in_progress`; one abandoned by a crash is replaced.
   */
  async createServerWallet(tenantId: string, userId: string): Promise<{ wallet: WalletView; created: boolean }> {
    const existing = await this.prisma.wallet.findUnique({ where: { tenantId_userId: { tenantId, userId } } });
    if (existing && hasKeys(existing)) return { wallet: await this.view(existing), created: false };
    if (existing) await this.discardAbandoned(existing);
    const walletId = randomUUID();
    try {
      await this.prisma.wallet.create({ data: { id: walletId, tenantId, userId, custody: 'server' } });
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw inProgress(); // a concurrent create won the row
      throw err;
    }
    try {
      const [secp, ed] = await Promise.all([
        this.signer.createKey(walletId, 'secp256k1'),
        this.signer.createKey(walletId, 'ed25519'),
      ]);
      const view = await this.completeWallet(walletId, tenantId, {
        secp256k1PublicKey: secp.publicKey,
        ed25519PublicKey: ed.publicKey,
      });
      return { wallet: view, created: true };
    } catch (err) {
      // Nothing half-written: a wallet without keys is removed.
      await this.prisma.keyShare.deleteMany({ where: { walletId } });
      await this.prisma.wallet.delete({ where: { id: walletId } }).catch(() => {});
      throw err;
    }
  }

  /** Removes a keyless server wallet left by a crashed key generation, or refuses while one may be running. */
  private async discardAbandoned(wallet: Wallet): Promise<void> {
    const cutoff = new Date(Date.now() - this.abandonedKeygenMs);
    if (wallet.custody !== 'server' || wallet.createdAt > cutoff) throw inProgress();
    await this.prisma.$transaction(async (tx) => {
      const still = await tx.wallet.findFirst({
        where: { id: wallet.id, secp256k1PublicKey: null, createdAt: { lte: cutoff } },
      });
      if (!still) return;
      await tx.keyShare.deleteMany({ where: { walletId: wallet.id } });
      await tx.wallet.delete({ where: { id: wallet.id } });
    });
  }

  /** Finds a tenant's wallet by walletId, userId or any of its addresses. */
  async find(tenantId: string, idOrAddress: string): Promise<Wallet | null> {
    const byId = await this.prisma.wallet.findFirst({
      where: { tenantId, OR: [{ id: idOrAddress }, { userId: idOrAddress }] },
    });
    if (byId) return byId;
    const addr = await this.prisma.walletAddress.findFirst({
      where: { OR: [{ address: idOrAddress }, { address: idOrAddress.toLowerCase() }], wallet: { tenantId } },
      include: { wallet: true },
    });
    return addr?.wallet ?? null;
  }

  async require(tenantId: string, idOrAddress: string): Promise<Wallet> {
    const wallet = await this.find(tenantId, idOrAddress);
    if (!wallet) throw new BaseError('wallet not found', { id: ErrorId.WalletNotFound, kind: 'terminal' });
    return wallet;
  }

  publicKeyFor(wallet: Wallet, curve: Curve): string {
    const pk = curve === 'secp256k1' ? wallet.secp256k1PublicKey : wallet.ed25519PublicKey;
    if (!pk) throw new BaseError(`wallet has no ${curve} key`, { id: ErrorId.WalletNotFound, kind: 'terminal' });
    return pk;
  }

  /**
   * Stores a new wallet's public keys and addresses and its `wallet.created` webhook event in one transaction
   * (the outbox: the event exists exactly when the wallet does).
   */
  async completeWallet(
    walletId: string,
    tenantId: string,
    keys: { secp256k1PublicKey: string; ed25519PublicKey: string },
  ): Promise<WalletView> {
    return this.prisma.$transaction(async (tx) => {
      const wallet = await tx.wallet.update({ where: { id: walletId }, data: keys });
      await this.storeAddresses(wallet, tx);
      const view = await this.view(wallet, tx);
      await recordWalletCreated(tx, tenantId, view);
      return view;
    });
  }

  async storeAddresses(wallet: Wallet, db: Db = this.prisma): Promise<void> {
    const rows: { walletId: string; network: string; address: string }[] = [];
    for (const network of this.chains.networks.all) {
      const adapter = this.chains.get(network.name);
      const pk = adapter.curve === 'secp256k1' ? wallet.secp256k1PublicKey : wallet.ed25519PublicKey;
      if (pk) rows.push({ walletId: wallet.id, network: network.name, address: adapter.addressFromPublicKey(pk) });
    }
    await db.walletAddress.createMany({ data: rows, skipDuplicates: true });
  }

  async view(wallet: Wallet, db: Db = this.prisma): Promise<WalletView> {
    const rows = await db.walletAddress.findMany({ where: { walletId: wallet.id } });
    const addresses = Object.fromEntries(rows.map((r) => [r.network, r.address]));
    const evm = this.chains.networks.all.find((n) => n.family === 'evm');
    return {
      walletId: wallet.id,
      userId: wallet.userId,
      custody: wallet.custody,
      address: (evm && addresses[evm.name]) ?? null,
      publicKey: wallet.secp256k1PublicKey,
      ed25519PublicKey: wallet.ed25519PublicKey,
      addresses,
      createdAt: wallet.createdAt.toISOString(),
    };
  }
}

function inProgress(): BaseError {
  return new BaseError('this wallet is still being created; retry shortly', {
    id: ErrorId.WalletCreationInProgress,
    kind: 'terminal',
  });
}
