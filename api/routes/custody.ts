/**
 * Custody operations, server API key only:
 *   GET  /v1/audit-events?limit=&cursor=&type=&walletId=  → { data: [event], nextCursor }  (newest first)
 *   POST /v1/wallets/:walletId/unlock  { curve }           → { walletId, curve, unlocked }
 *   DELETE /v1/api-keys/:keyId                             → { keyId, revoked: true }  (a server key of this tenant)
 * A wallet's signing on a curve is locked after a failed partial signature (423 wallet_locked); an operator who has
 * looked at why (the `wallet_locked` audit event) unlocks it here. Both are scoped to the caller's tenant.
 */
import { Router } from 'express';
import { ErrorId } from '../../errors/codes.js';
import { toCurve } from '../../portal/shares.js';
import { actorOf, listAuditEvents, recordAudit } from '../../storage/audit.js';
import { PrismaSigningGuard } from '../../storage/signing-guard.js';
import { requireServerKey } from '../auth.js';
import type { AppDeps } from '../context.js';
import { httpError } from '../errors.js';
import { auditQuery, parse, unlockBody } from '../schemas.js';

export function custodyRoutes(deps: AppDeps): Router {
  const r = Router();
  const guard = new PrismaSigningGuard(deps.prisma);

  r.get('/v1/audit-events', requireServerKey(), async (req, res) => {
    const q = parse(auditQuery, req.query);
    const page = await listAuditEvents(deps.prisma, req.auth!.tenantId, {
      limit: q.limit,
      ...(q.cursor ? { cursor: BigInt(q.cursor) } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.walletId ? { walletId: q.walletId } : {}),
    });
    res.json({ data: page.events, nextCursor: page.nextCursor === null ? null : page.nextCursor.toString() });
  });

  r.post('/v1/wallets/:walletId/unlock', requireServerKey(), async (req, res) => {
    const body = parse(unlockBody, req.body ?? {});
    const tenantId = req.auth!.tenantId;
    const wallet = await deps.prisma.wallet.findFirst({ where: { id: String(req.params.walletId), tenantId } });
    if (!wallet) throw httpError(ErrorId.WalletNotFound, 'wallet not found');
    const curve = toCurve(body.curve);
    const unlocked = await guard.unlock(tenantId, wallet.id, curve, actorOf(req.auth));
    res.json({ walletId: wallet.id, curve: body.curve, unlocked });
  });

  // The key id is in the key's `credential_created` audit event. A revoked key answers 401 from the next request on.
  r.delete('/v1/api-keys/:keyId', requireServerKey(), async (req, res) => {
    const tenantId = req.auth!.tenantId;
    const keyId = String(req.params.keyId);
    const revoked = await deps.prisma.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id: keyId, tenantId, kind: 'server', revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (count === 1)
        await recordAudit(tx, {
          tenantId,
          type: 'credential_revoked',
          actor: actorOf(req.auth),
          details: { credential: 'server_api_key', keyId },
        });
      return count === 1;
    });
    if (!revoked) throw httpError(ErrorId.NotFound, 'no active server API key with this id');
    res.json({ keyId, revoked: true });
  });

  return r;
}
