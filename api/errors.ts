/**
 * HTTP boundary for errors: every error becomes `{ id, message }` (Portal's shape) with a status from
 * one table. Unknown errors are 500 INTERNAL_ERROR with no internals leaked.
 */
import type { ErrorRequestHandler } from 'express';
import { BaseError, isBaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';

const STATUS: Record<string, number> = {
  [ErrorId.BadRequest]: 400,
  [ErrorId.ChainUnsupported]: 400,
  [ErrorId.TokenUnsupported]: 400,
  [ErrorId.BadTo]: 400,
  [ErrorId.ToZeroAddress]: 400,
  [ErrorId.ToIsSender]: 400,
  [ErrorId.BadAmount]: 400,
  [ErrorId.BadNonce]: 400,
  [ErrorId.BadMaxFee]: 400,
  [ErrorId.BadMemo]: 400,
  [ErrorId.FeeCapExceeded]: 400,
  [ErrorId.InsufficientFunds]: 400,
  [ErrorId.EstimateGasReverted]: 400,
  [ErrorId.ShareNotConfirmed]: 400,
  mpc_share_invalid: 400,
  [ErrorId.WebhookUrlForbidden]: 400,
  [ErrorId.Unauthorized]: 401,
  [ErrorId.InvalidApiKey]: 401,
  [ErrorId.Forbidden]: 403,
  [ErrorId.FaucetUnavailable]: 403,
  [ErrorId.NotFound]: 404,
  [ErrorId.WalletNotFound]: 404,
  [ErrorId.MethodNotAllowed]: 405,
  [ErrorId.WalletCreationInProgress]: 409,
  [ErrorId.IdempotencyConflict]: 409,
  [ErrorId.TransferTerminal]: 409,
  [ErrorId.ReplacementUnsupported]: 400,
  [ErrorId.NonceConflict]: 409,
  [ErrorId.WalletLocked]: 423,
  [ErrorId.RateLimited]: 429,
  [ErrorId.RpcFailed]: 502,
  [ErrorId.BroadcastFailed]: 502,
  // The configured RPC serves another chain: an operator's misconfiguration, refused before signing.
  [ErrorId.RpcChainMismatch]: 502,
  [ErrorId.Unavailable]: 503,
  // The second party of server wallets: down or busy is the API's 503; refused or conflicting is ours (500).
  [ErrorId.CosignerUnavailable]: 503,
  [ErrorId.CosignerBusy]: 503,
  [ErrorId.CosignerUnauthorized]: 500,
  [ErrorId.CosignerShareExists]: 500,
  [ErrorId.Internal]: 500,
};

/** Chain-specific ids not in the table: user-caused (terminal) → 400, transient → 502. */
export function httpStatusFor(id: string, kind?: BaseError['kind']): number {
  return STATUS[id] ?? (kind === 'retryable' ? 502 : 400);
}

export function httpError(id: string, message: string): BaseError {
  return new BaseError(message, { id, kind: 'terminal' });
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (isBaseError(err)) {
    req.log?.info({ err }, 'request failed');
    res.status(httpStatusFor(err.id, err.kind)).json({ id: err.id, message: err.shortMessage });
    return;
  }
  // express.json() body errors
  const status = (err as { status?: number; type?: string }).status;
  if (status === 400 || (err as { type?: string }).type === 'entity.parse.failed') {
    res.status(400).json({ id: ErrorId.BadRequest, message: 'request body is not valid JSON' });
    return;
  }
  if (status === 413) {
    res.status(413).json({ id: ErrorId.BadRequest, message: 'request body too large' });
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  res.status(500).json({ id: ErrorId.Internal, message: 'internal error' });
};
