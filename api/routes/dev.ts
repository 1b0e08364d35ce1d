import { Router } from 'express';
import { parseAmount } from '../../chains/amount.js';
import { BaseError } from '../../errors/base.js';
import { badRequest, ErrorId } from '../../errors/codes.js';
import type { AppDeps } from '../context.js';
import { faucetBody, parse } from '../schemas.js';

/** POST /v1/dev/faucet: funds an address on a local dev chain. Only when the dev stack enables it. */
export function devRoutes(deps: AppDeps): Router {
  const r = Router();
  r.post('/v1/dev/faucet', async (req, res) => {
    const body = parse(faucetBody, req.body);
    const adapter = deps.chains.get(body.chain);
    if (!deps.config.ENABLE_DEV_FAUCET || !adapter.network.dev || !adapter.faucet) {
      throw new BaseError(`the faucet is only available on dev chains of a running dev stack`, {
        id: ErrorId.FaucetUnavailable,
        kind: 'terminal',
      });
    }
    if (!adapter.validateAddress(body.address))
      throw badRequest(`"${body.address}" is not a valid ${adapter.network.name} address`, ErrorId.BadTo);
    const token = await adapter.resolveToken(body.token ?? 'NATIVE');
    const raw = parseAmount(body.amount, token.decimals);
    const result = await adapter.faucet(body.address, raw.toString(), token);
    res.json({
      success: true,
      chain: adapter.network.name,
      address: body.address,
      amount: body.amount,
      rawAmount: raw.toString(),
      ...result,
    });
  });
  return r;
}
