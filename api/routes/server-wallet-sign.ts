/** POST /api/wallets/:walletIdOrAddress/sign `{ message }` → EIP-191 signature of a server wallet (seed 003). */
import { Router } from 'express';
import { hashMessage, serializeSignature } from 'viem';
import { ErrorId } from '../../errors/codes.js';
import { requireServerKey } from '../auth.js';
import type { AppDeps } from '../context.js';
import { httpError } from '../errors.js';
import { parse, signMessageBody } from '../schemas.js';

export function serverWalletSignRoutes(deps: AppDeps): Router {
  const r = Router();
  r.post('/api/wallets/:walletIdOrAddress/sign', requireServerKey(), async (req, res) => {
    const { message } = parse(signMessageBody, req.body);
    if (!deps.signer) throw httpError(ErrorId.Unavailable, 'signer not configured');
    const wallet = await deps.wallets.require(req.auth!.tenantId, String(req.params.walletIdOrAddress));
    if (wallet.custody !== 'server')
      throw httpError(ErrorId.BadRequest, 'this wallet is client-held: sign with POST /v1/sign and its share');
    const digest = hashMessage(message).slice(2);
    const sig = await deps.signer.sign({ walletId: wallet.id, curve: 'secp256k1', payload: digest });
    const signature = serializeSignature({
      r: `0x${sig.signature.slice(0, 64)}`,
      s: `0x${sig.signature.slice(64, 128)}`,
      yParity: sig.recovery ?? 0,
    });
    const view = await deps.wallets.view(wallet);
    res.json({ success: true, walletId: wallet.id, address: view.address, message, signature });
  });
  return r;
}
