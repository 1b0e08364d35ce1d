import { Router } from 'express';
import { requireServerKey } from '../auth.js';
import type { AppDeps } from '../context.js';
import { createWalletBody, parse } from '../schemas.js';

/** Dynamic-style server wallets (seed 003). */
export function walletRoutes(deps: AppDeps): Router {
  const r = Router();

  r.post('/api/wallets', requireServerKey(), async (req, res) => {
    const { userId } = parse(createWalletBody, req.body);
    const { wallet, created } = await deps.wallets.createServerWallet(req.auth!.tenantId, userId);
    res.status(created ? 201 : 200).json({ success: true, ...wallet });
  });

  r.get('/api/wallets/:walletIdOrAddress', requireServerKey(), async (req, res) => {
    const wallet = await deps.wallets.require(req.auth!.tenantId, String(req.params.walletIdOrAddress));
    res.json({ success: true, ...(await deps.wallets.view(wallet)) });
  });

  return r;
}
