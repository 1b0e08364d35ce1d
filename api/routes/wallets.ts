import { Router } from 'express';
import { actorOf, recordAudit } from '../../storage/audit.js';
import { requireServerKey } from '../auth.js';
import type { AppDeps } from '../context.js';
import { createWalletBody, parse } from '../schemas.js';

/** Dynamic-style server wallets (seed 003). */
export function walletRoutes(deps: AppDeps): Router {
  const r = Router();

  r.post('/api/wallets', requireServerKey(), async (req, res) => {
    const { userId } = parse(createWalletBody, req.body);
    const { wallet, created } = await deps.wallets.createServerWallet(req.auth!.tenantId, userId);
    if (created)
      await recordAudit(deps.prisma, {
        tenantId: req.auth!.tenantId,
        type: 'key_generated',
        actor: actorOf(req.auth),
        walletId: wallet.walletId,
        details: { custody: 'server' },
      });
    res.status(created ? 201 : 200).json({ success: true, ...wallet });
  });

  r.get('/api/wallets/:walletIdOrAddress', requireServerKey(), async (req, res) => {
    const wallet = await deps.wallets.require(req.auth!.tenantId, String(req.params.walletIdOrAddress));
    res.json({ success: true, ...(await deps.wallets.view(wallet)) });
  });

  return r;
}
