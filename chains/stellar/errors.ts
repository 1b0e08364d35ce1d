/**
 * Every error the Stellar adapter meets → BaseError with a stable id and kind.
 *
 * Sources: Horizon problem documents (our HorizonError, or the SDK's NotFoundError / NetworkError /
 * BadResponseError / axios errors carrying the same body), fetch/network failures, XDR decode errors.
 * Stellar-specific ids: bad_sequence, bad_signature, fee_too_low, tx_too_early, tx_failed,
 * destination_missing, destination_no_trustline, destination_line_full, destination_exists, low_reserve,
 * memo_too_long, memo_required.
 */
import { BaseError, errorText, isBaseError } from '../../errors/base.js';
import { chainError, ErrorId } from '../../errors/codes.js';
import { HorizonError, type HorizonProblem } from './horizon.js';

export const StellarErrorId = {
  BadSequence: 'bad_sequence',
  BadSignature: 'bad_signature',
  FeeTooLow: 'fee_too_low',
  TxTooEarly: 'tx_too_early',
  TxFailed: 'tx_failed',
  DestinationMissing: 'destination_missing',
  DestinationNoTrustline: 'destination_no_trustline',
  DestinationLineFull: 'destination_line_full',
  DestinationExists: 'destination_exists',
  LowReserve: 'low_reserve',
  MemoTooLong: 'memo_too_long',
  MemoRequired: 'memo_required',
  BadMemoId: 'bad_memo_id',
} as const;

type Codes = { transaction?: string; operations?: string[] };

/** Transaction-level codes of transactions stellar-core refused (never in a ledger). */
const TX_CODES: Record<string, [id: string, kind: 'retryable' | 'terminal', message: string]> = {
  tx_bad_seq: [StellarErrorId.BadSequence, 'terminal', 'sequence number is not the next one for the account'],
  tx_insufficient_balance: [ErrorId.InsufficientFunds, 'terminal', 'balance above the reserve cannot pay the fee'],
  tx_no_source_account: [ErrorId.InsufficientFunds, 'terminal', 'source account does not exist (unfunded)'],
  tx_too_late: [ErrorId.TxExpired, 'terminal', 'transaction time bounds have passed'],
  tx_too_early: [StellarErrorId.TxTooEarly, 'retryable', 'transaction time bounds have not started yet'],
  tx_bad_auth: [StellarErrorId.BadSignature, 'terminal', 'signature missing or invalid for the source account'],
  tx_bad_auth_extra: [StellarErrorId.BadSignature, 'terminal', 'transaction carries unused signatures'],
  tx_insufficient_fee: [StellarErrorId.FeeTooLow, 'terminal', 'fee is below the network minimum'],
  tx_internal_error: [ErrorId.RpcFailed, 'retryable', 'stellar-core internal error'],
  tx_missing_operation: [ErrorId.BroadcastFailed, 'terminal', 'transaction has no operations'],
  tx_malformed: [ErrorId.BroadcastFailed, 'terminal', 'transaction is malformed'],
  tx_bad_sponsorship: [ErrorId.BroadcastFailed, 'terminal', 'bad sponsorship'],
  tx_bad_min_seq_age_or_gap: [StellarErrorId.BadSequence, 'terminal', 'sequence age/gap precondition not met'],
};

/** Operation codes inside `tx_failed`. */
const OP_CODES: Record<string, [id: string, message: string]> = {
  op_underfunded: [ErrorId.InsufficientFunds, 'not enough balance for the payment'],
  op_src_no_trust: [ErrorId.InsufficientFunds, 'source account has no trustline for the asset'],
  op_src_not_authorized: [ErrorId.InsufficientFunds, 'source account is not authorized to hold the asset'],
  op_no_destination: [StellarErrorId.DestinationMissing, 'destination account does not exist'],
  op_no_trust: [StellarErrorId.DestinationNoTrustline, 'destination has no trustline for the asset'],
  op_not_authorized: [StellarErrorId.DestinationNoTrustline, 'destination is not authorized to hold the asset'],
  op_line_full: [StellarErrorId.DestinationLineFull, 'destination trustline limit would be exceeded'],
  op_low_reserve: [StellarErrorId.LowReserve, 'starting balance is below the minimum reserve'],
  op_already_exists: [StellarErrorId.DestinationExists, 'destination account already exists'],
  op_no_issuer: [ErrorId.TokenUnsupported, 'asset issuer does not exist'],
  op_bad_auth: [StellarErrorId.BadSignature, 'operation signature missing or invalid'],
  op_no_source_account: [ErrorId.InsufficientFunds, 'operation source account does not exist'],
};

/** Maps Horizon `result_codes` to a BaseError (`tx_failed` → the first failing operation's meaning). */
export function fromResultCodes(codes: Codes, cause?: unknown): BaseError {
  const details = JSON.stringify(codes);
  if (codes.transaction === 'tx_failed' || codes.transaction === 'tx_fee_bump_inner_failed') {
    const failing = (codes.operations ?? []).find((c) => c !== 'op_success');
    const mapped = failing ? OP_CODES[failing] : undefined;
    if (mapped) return new BaseError(mapped[1], { id: mapped[0], kind: 'terminal', cause, details, meta: { codes } });
    return new BaseError(`transaction failed: ${failing ?? 'unknown operation result'}`, {
      id: StellarErrorId.TxFailed,
      kind: 'terminal',
      cause,
      details,
      meta: { codes },
    });
  }
  const mapped = TX_CODES[codes.transaction ?? ''];
  if (mapped) return new BaseError(mapped[2], { id: mapped[0], kind: mapped[1], cause, details, meta: { codes } });
  return new BaseError(`transaction rejected: ${codes.transaction ?? 'unknown'}`, {
    id: ErrorId.BroadcastFailed,
    kind: 'terminal',
    cause,
    details,
    meta: { codes },
  });
}

/** HTTP status + problem document → BaseError. */
function fromHttp(status: number | undefined, problem: HorizonProblem | undefined, cause: unknown): BaseError {
  const codes = problem?.extras?.result_codes;
  if (codes?.transaction) return fromResultCodes(codes, cause);
  const title = problem?.title ?? 'Horizon error';
  const details = problem?.detail;
  if (status === 504 || problem?.type?.endsWith('/timeout')) {
    // Horizon's 504 on submit means "not known yet": the transaction may still be included.
    return chainError(
      ErrorId.RpcFailed,
      'Horizon timed out; the outcome is unknown, check again',
      'retryable',
      cause,
      details,
    );
  }
  if (status === 429) return chainError(ErrorId.RpcFailed, 'Horizon rate limit', 'retryable', cause, details);
  if (status !== undefined && status >= 500) {
    return chainError(ErrorId.RpcFailed, `Horizon error ${status}: ${title}`, 'retryable', cause, details);
  }
  if (problem?.type?.endsWith('/transaction_malformed')) {
    return chainError(ErrorId.BroadcastFailed, 'Horizon could not decode the transaction', 'terminal', cause, details);
  }
  if (status === 404) return chainError(ErrorId.RpcFailed, 'Horizon resource not found', 'terminal', cause, details);
  return chainError(ErrorId.RpcFailed, `Horizon error ${status ?? '?'}: ${title}`, 'terminal', cause, details);
}

const NETWORK_TEXT =
  /fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up|other side closed|network|aborted|timeout/i;

export function classifyStellarError(error: unknown): BaseError {
  if (isBaseError(error)) return error;
  if (error instanceof HorizonError) return fromHttp(error.status, error.problem, error);

  // SDK errors: NotFoundError/NetworkError/BadResponseError keep the body in `response`;
  // axios errors keep `{ status, data }` in `response`.
  if (error && typeof error === 'object' && 'response' in error) {
    const r = (error as { response?: unknown }).response as
      | { status?: number; data?: unknown }
      | HorizonProblem
      | undefined;
    if (r && typeof r === 'object') {
      const problem = ('data' in r ? r.data : r) as HorizonProblem | undefined;
      const status = ('status' in r && typeof r.status === 'number' ? r.status : undefined) ?? problem?.status;
      if (status !== undefined || problem?.extras) return fromHttp(status, problem, error);
    }
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return chainError(ErrorId.RpcFailed, 'Horizon request timed out', 'retryable', error);
  }
  const text = errorText(error);
  if (error instanceof TypeError && /fetch failed/i.test(text)) {
    return chainError(ErrorId.RpcFailed, 'Horizon unreachable', 'retryable', error, text);
  }
  if (/XDR|invalid encoded string|bad union switch|invalid version byte/i.test(text)) {
    return chainError(ErrorId.BroadcastFailed, 'invalid Stellar transaction encoding', 'terminal', error, text);
  }
  if (NETWORK_TEXT.test(text)) return chainError(ErrorId.RpcFailed, 'Horizon request failed', 'retryable', error, text);
  return chainError(ErrorId.RpcFailed, 'unexpected Stellar adapter error', 'terminal', error, text);
}
