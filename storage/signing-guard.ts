/**
 * The runtime's `SigningGuard` (signer/signing-guard.ts): signing locks in `WalletSigningLock`, shared by every
 * process that signs (API and worker), and an audit event for each lock, refusal and unlock.
 */
import type { Curve } from '../chains/types.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SigningGuard } from '../signer/signing-guard.js';
import { type AuditActor, recordAudit, SYSTEM_ACTOR } from './audit.js';

export class PrismaSigningGuard implements SigningGuard {
  constructor(private readonly prisma: PrismaClient) {}

  async isLocked(walletId: string, curve: Curve): Promise<boolean> {
    const row = await this.prisma.walletSigningLock.findUnique({ where: { walletId_curve: { walletId, curve } } });
    return row !== null;
  }

  async lock(walletId: string, curve: Curve, reason: string): Promise<void> {
    const tenantId = await this.tenantOf(walletId);
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.walletSigningLock.createMany({
        data: [{ walletId, curve, reason }],
        skipDuplicates: true,
      });
      if (count > 0 && tenantId)
        await recordAudit(tx, {
          tenantId,
          type: 'wallet_locked',
          actor: SYSTEM_ACTOR,
          walletId,
          curve,
          details: { reason },
        });
    });
  }

  async refused(walletId: string, curve: Curve, reason: string): Promise<void> {
    const tenantId = await this.tenantOf(walletId);
    if (tenantId)
      await recordAudit(this.prisma, {
        tenantId,
        type: 'signing_refused',
        actor: SYSTEM_ACTOR,
        walletId,
        curve,
        details: { reason },
      });
  }

  /** Operator unlock; true when the curve was locked. The caller has checked the wallet is the tenant's. */
  async unlock(tenantId: string, walletId: string, curve: Curve, actor: AuditActor): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.walletSigningLock.deleteMany({ where: { walletId, curve } });
      if (count > 0) await recordAudit(tx, { tenantId, type: 'wallet_unlocked', actor, walletId, curve });
      return count > 0;
    });
  }

  private async tenantOf(walletId: string): Promise<string | undefined> {
    const wallet = await this.prisma.wallet.findUnique({ where: { id: walletId }, select: { tenantId: true } });
    return wallet?.tenantId;
  }
}
