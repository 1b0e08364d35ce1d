/**
 * Portal-style client-held wallets: DKG (both curves) with the client's shares handed to the caller,
 * backup and recovery (re-sharing), and signing with a share the client sends. A share sent by a client
 * only ever travels inside the server as a vault reference (storage/share-vault.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Curve, Signature } from '../chains/types.js';
import { BaseError } from '../errors/base.js';
import { badRequest, ErrorId } from '../errors/codes.js';
import { Prisma, type PrismaClient, type Wallet } from '../generated/prisma/client.js';
import type { MpcSigner } from '../signer/mpc-signer.js';
import type { ShareVault } from '../storage/share-vault.js';
import type { WalletService } from '../wallets/service.js';
import type { Clock } from './clock.js';
import { createPair, requireConfirmedSigningPair, retirePairsBefore } from './share-pairs.js';
import { type PortalCurve, type ShareInfo, toPortalCurve, toWireShare } from './shares.js';

export type ShareResponse = Partial<Record<PortalCurve, { share: string; id: string }>>;

export interface ClientWalletDeps {
  prisma: PrismaClient;
  signer: MpcSigner;
  wallets: WalletService;
  vault: ShareVault;
  now: Clock;
}

const CURVES: Curve[] = ['secp256k1', 'ed25519'];

function walletNotFound(): BaseError {
  return new BaseError('wallet not found', { id: ErrorId.WalletNotFound, kind: 'terminal' });
}

export class ClientWallets {
  constructor(private readonly deps: ClientWalletDeps) {}

  /** The client's wallet, or 404. */
  async walletOf(clientId: string): Promise<Wallet> {
    const wallet = await this.deps.prisma.wallet.findUnique({ where: { clientId } });
    if (!wallet) throw walletNotFound();
    return wallet;
  }

  /** A share must belong to the caller's wallet: anything else is "not found" (no hint it exists). */
  assertOwnShare(wallet: Wallet, share: ShareInfo, kind: 'signing' | 'backup'): void {
    if (share.walletId !== wallet.id) throw walletNotFound();
    if (share.backup !== (kind === 'backup'))
      throw badRequest(kind === 'backup' ? 'expected a backup share' : 'a backup share cannot sign; recover first');
  }

  /**
   * POST /v1/generate: DKG for both curves. A client has one wallet; a wallet whose shares were never
   * confirmed (lost before the client stored them) is replaced, anything else is kept (use recovery).
   */
  async generate(tenantId: string, clientId: string): Promise<ShareResponse> {
    const { prisma, signer, wallets } = this.deps;
    const existing = await prisma.wallet.findUnique({ where: { clientId } });
    if (existing) {
      const used =
        (await prisma.signingSharePair.count({ where: { walletId: existing.id, status: { not: 'incomplete' } } })) +
        (await prisma.transfer.count({ where: { walletId: existing.id } }));
      if (used > 0)
        throw badRequest(
          'this client already has a wallet; use /v1/backup and /v1/recover for new shares',
          'WALLET_ALREADY_EXISTS',
        );
      await this.remove(existing.id);
    }
    const walletId = randomUUID();
    try {
      await prisma.wallet.create({ data: { id: walletId, tenantId, clientId, custody: 'client' } });
    } catch (err) {
      // The unique clientId index: a concurrent /v1/generate for the same client won.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        throw badRequest('a wallet is already being generated for this client', 'WALLET_ALREADY_EXISTS');
      throw err;
    }
    try {
      const keys = await signer.generateClientWallet(walletId);
      await wallets.completeWallet(walletId, tenantId, {
        secp256k1PublicKey: keys.secp256k1.publicKey,
        ed25519PublicKey: keys.ed25519.publicKey,
      });
      const out: ShareResponse = {};
      for (const curve of CURVES) {
        out[toPortalCurve(curve)] = {
          share: toWireShare(keys[curve].share),
          id: await createPair(prisma, walletId, curve, 1, 'signing'),
        };
      }
      return out;
    } catch (err) {
      await this.remove(walletId); // nothing half-written
      if (err instanceof BaseError) throw err;
      throw new BaseError('distributed key generation failed', { id: 'DKG_FAILED', kind: 'terminal', cause: err });
    }
  }

  /** POST /v1/backup: re-shares the current signing shares into a backup pair per curve. */
  async backup(wallet: Wallet, shares: Partial<Record<Curve, ShareInfo>>): Promise<ShareResponse> {
    for (const curve of CURVES) {
      const share = shares[curve];
      if (!share) throw badRequest(`generateResponse needs the ${toPortalCurve(curve)} share`);
      this.assertOwnShare(wallet, share, 'signing');
      await requireConfirmedSigningPair(this.deps.prisma, wallet.id, curve, share.version);
      await this.deps.signer.verifyClientShare(wallet.id, curve, share.json);
    }
    const backups = await this.withVaulted(wallet.id, shares, (refs) => this.deps.signer.backup(wallet.id, refs));
    const out: ShareResponse = {};
    for (const curve of CURVES) {
      const json = backups[curve];
      if (!json) continue;
      const version = (JSON.parse(json) as { version: number }).version;
      out[toPortalCurve(curve)] = {
        share: toWireShare(json),
        id: await createPair(this.deps.prisma, wallet.id, curve, version, 'backup'),
      };
    }
    return out;
  }

  /** POST /v1/recover: new signing shares for the same public keys; the previous shares stop working. */
  async recover(wallet: Wallet, backups: Partial<Record<Curve, ShareInfo>>): Promise<ShareResponse> {
    for (const curve of CURVES) {
      const share = backups[curve];
      if (share) this.assertOwnShare(wallet, share, 'backup');
    }
    const recovered = await this.deps.signer.recover(wallet.id, {
      ...(backups.secp256k1 ? { secp256k1: backups.secp256k1.json } : {}),
      ...(backups.ed25519 ? { ed25519: backups.ed25519.json } : {}),
    });
    const out: ShareResponse = {};
    for (const curve of CURVES) {
      const r = recovered[curve];
      if (!r?.share) continue;
      const expected = curve === 'secp256k1' ? wallet.secp256k1PublicKey : wallet.ed25519PublicKey;
      if (r.publicKey !== expected)
        throw new BaseError('recovery changed the wallet key (refusing)', { id: ErrorId.Internal, kind: 'terminal' });
      await retirePairsBefore(this.deps.prisma, wallet.id, curve, r.version);
      out[toPortalCurve(curve)] = {
        share: toWireShare(r.share),
        id: await createPair(this.deps.prisma, wallet.id, curve, r.version, 'signing'),
      };
    }
    return out;
  }

  /** Signs `payloadHex` with the wallet's server share and the client's confirmed share. */
  async sign(wallet: Wallet, share: ShareInfo, payloadHex: string): Promise<Signature> {
    this.assertOwnShare(wallet, share, 'signing');
    await requireConfirmedSigningPair(this.deps.prisma, wallet.id, share.curve, share.version);
    // Refused here (lock, bounds, binding) before the share is even sealed into the vault.
    await this.deps.signer.verifyClientShare(wallet.id, share.curve, share.json);
    return this.withVaulted(wallet.id, { [share.curve]: share }, (refs) =>
      this.deps.signer.sign({
        walletId: wallet.id,
        curve: share.curve,
        payload: payloadHex,
        shareRef: refs[share.curve],
      }),
    );
  }

  /**
   * The AppDeps `vaultShare` hook of POST /v1/assets/send: checks the share is this wallet's confirmed
   * signing share for `curve`, seals it and returns the reference the workflow carries.
   */
  async vaultForTransfer(walletId: string, curve: string, share: ShareInfo): Promise<string> {
    if (share.walletId !== walletId) throw walletNotFound();
    if (share.backup) throw badRequest('a backup share cannot sign; recover first');
    if (share.curve !== curve)
      throw badRequest(`this chain signs with ${toPortalCurve(curve as Curve)}: send that curve's share`);
    await requireConfirmedSigningPair(this.deps.prisma, walletId, share.curve, share.version);
    // A tampered share or a locked wallet is refused here, before a transfer is recorded or a workflow starts.
    await this.deps.signer.verifyClientShare(walletId, share.curve, share.json);
    return this.deps.vault.put(walletId, share.curve, share.json);
  }

  private async withVaulted<T>(
    walletId: string,
    shares: Partial<Record<Curve, ShareInfo>>,
    fn: (refs: Partial<Record<Curve, string>>) => Promise<T>,
  ): Promise<T> {
    const refs: Partial<Record<Curve, string>> = {};
    try {
      for (const curve of CURVES) {
        const s = shares[curve];
        if (s) refs[curve] = await this.deps.vault.put(walletId, curve, s.json);
      }
      return await fn(refs);
    } finally {
      await Promise.all(Object.values(refs).map((ref) => this.deps.vault.delete(ref)));
    }
  }

  private async remove(walletId: string): Promise<void> {
    const { prisma } = this.deps;
    await prisma.$transaction([
      prisma.signingSharePair.deleteMany({ where: { walletId } }),
      prisma.keyShare.deleteMany({ where: { walletId } }),
      prisma.walletAddress.deleteMany({ where: { walletId } }),
      prisma.shareVault.deleteMany({ where: { walletId } }),
      prisma.wallet.deleteMany({ where: { id: walletId } }),
    ]);
  }
}
