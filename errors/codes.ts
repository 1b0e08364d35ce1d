import { BaseError, type ErrorKind } from './base.js';

/**
 * Stable error ids. Clients branch on these; never rename one.
 * Upper-case ids follow Portal's API (seed 000/001); lower-case ids follow Sigil's taxonomy (seed 002).
 */
export const ErrorId = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  InvalidApiKey: 'INVALID_API_KEY',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  /** A known path with a method it does not serve (405, with `Allow`). */
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  IdempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  /** speed-up / cancel of a transfer that is already finalized, failed or replaced. */
  TransferTerminal: 'transfer_terminal',
  /** The chain cannot replace a signed transaction (no nonce / inputs to reuse): it is re-signed only after proven expiry. */
  ReplacementUnsupported: 'replacement_unsupported',
  Internal: 'INTERNAL_ERROR',
  Unavailable: 'SERVICE_UNAVAILABLE',
  ChainUnsupported: 'chain_unsupported',
  TokenUnsupported: 'token_unsupported',
  BadTo: 'bad_to',
  /** `to` is the chain's zero / burn address. */
  ToZeroAddress: 'to_zero_address',
  /** `to` is the sending wallet itself. */
  ToIsSender: 'to_is_sender',
  BadAmount: 'bad_amount',
  BadNonce: 'bad_nonce',
  BadMaxFee: 'bad_max_fee',
  /** A memo the chain cannot carry as asked (memoType `id` off Stellar, not a uint64, or missing). */
  BadMemo: 'bad_memo',
  FeeCapExceeded: 'fee_cap_exceeded',
  FeeTooLow: 'fee_too_low',
  /** An automatic fee bump skipped: the attempt waits behind an earlier, unmined transaction of the sender. */
  ReplacementWaiting: 'replacement_waiting',
  RpcChainMismatch: 'rpc_chain_mismatch',
  InsufficientFunds: 'insufficient_funds',
  EstimateGasReverted: 'estimate_gas_reverted',
  RpcFailed: 'rpc_failed',
  BroadcastFailed: 'broadcast_failed',
  NonceConflict: 'nonce_conflict',
  TxExpired: 'tx_expired',
  TxReverted: 'tx_reverted',
  SigningFailed: 'signing_failed',
  /** The sign step's arguments do not match the stored transfer (no signing oracle through Temporal). */
  SigningRefused: 'signing_refused',
  WalletNotFound: 'wallet_not_found',
  /** The transfer's workflow closed without completing (terminated, timed out) before the transfer was final. */
  WorkflowClosed: 'workflow_closed',
  /** The workflow's status checks exhausted their retries: the transfer is parked as `needs_attention`. */
  StatusChecksExhausted: 'status_checks_exhausted',
  /** A server wallet for this userId is being created right now (its keys are not stored yet): retry shortly. */
  WalletCreationInProgress: 'wallet_creation_in_progress',
  ShareNotConfirmed: 'share_not_confirmed',
  FaucetUnavailable: 'faucet_unavailable',
  /** The wallet's signing on a curve is locked after a failed partial signature; an operator unlocks it. */
  WalletLocked: 'wallet_locked',
  WebhookUrlForbidden: 'webhook_url_forbidden',
  /** Over a rate limit (api/rate-limit.ts): 429 with Retry-After. */
  RateLimited: 'rate_limited',
  /** The co-signer (second party of server wallets) could not be reached or did not answer in time: retryable. */
  CosignerUnavailable: 'cosigner_unavailable',
  /** The co-signer refused the caller: not on its allow-list, bad or replayed request signature. */
  CosignerUnauthorized: 'cosigner_unauthorized',
  /** The co-signer already holds an active share for this wallet key (it never overwrites one). */
  CosignerShareExists: 'cosigner_share_exists',
  /** The co-signer has too many key-generation runs in progress: retryable. */
  CosignerBusy: 'cosigner_busy',
} as const;
export type ErrorId = (typeof ErrorId)[keyof typeof ErrorId];

export function badRequest(message: string, id: string = ErrorId.BadRequest, details?: string): BaseError {
  return new BaseError(message, { id, kind: 'terminal', details });
}

export function chainError(id: string, message: string, kind: ErrorKind, cause?: unknown, details?: string): BaseError {
  return new BaseError(message, { id, kind, cause, details });
}
