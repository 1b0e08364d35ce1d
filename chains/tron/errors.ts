/**
 * The one Tron error classifier: broadcast return codes (java-tron `Return.response_code`), `{ Error }` bodies,
 * HTTP statuses and network failures → BaseError with a stable id and kind.
 */
import { BaseError, errorText, isBaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import { TronHttpError, TronNodeError } from './http.js';

/** Tron-specific error ids (beyond errors/codes.ts). */
export const TronErrorId = {
  InvalidSignature: 'invalid_signature',
  ContractValidate: 'contract_validate_error',
  TxTooBig: 'tx_too_big',
  AlreadyKnown: 'already_known',
  RpcRejected: 'rpc_rejected',
} as const;

/** The node refused a broadcast (`{ code, message, txid }`). `message` is already decoded from hex. */
export class TronBroadcastRejected extends Error {
  override name = 'TronBroadcastRejected';
  constructor(
    readonly code: string,
    readonly nodeMessage: string,
    readonly txid: string | undefined,
  ) {
    super(`broadcast rejected: ${code}${nodeMessage ? ` (${nodeMessage})` : ''}`);
  }
}

function err(id: string, kind: BaseError['kind'], message: string, cause: unknown): BaseError {
  return new BaseError(message, { id, kind, cause, details: errorText(cause).slice(0, 500) });
}

function classifyRejection(e: TronBroadcastRejected): BaseError {
  const msg = e.nodeMessage;
  switch (e.code) {
    case 'DUP_TRANSACTION_ERROR':
      return err(TronErrorId.AlreadyKnown, 'already_done', 'transaction already known to the node', e);
    case 'SIGERROR':
      return err(TronErrorId.InvalidSignature, 'terminal', 'the node rejected the signature', e);
    case 'TAPOS_ERROR':
      return err(ErrorId.TxExpired, 'terminal', 'reference block is unknown or too old: rebuild the transaction', e);
    case 'TRANSACTION_EXPIRATION_ERROR':
      return err(ErrorId.TxExpired, 'terminal', 'transaction expired: rebuild it', e);
    case 'BANDWITH_ERROR':
      return err(ErrorId.InsufficientFunds, 'terminal', 'not enough bandwidth or TRX to pay for it', e);
    case 'CONTRACT_VALIDATE_ERROR':
      if (/balance is not sufficient|no OwnerAccount|does not exist|insufficient/i.test(msg)) {
        return err(ErrorId.InsufficientFunds, 'terminal', 'insufficient TRX balance for amount plus fees', e);
      }
      if (/to yourself|toAddress|Invalid toAddress/i.test(msg))
        return err(ErrorId.BadTo, 'terminal', 'invalid recipient', e);
      return err(TronErrorId.ContractValidate, 'terminal', 'the node rejected the transaction', e);
    case 'CONTRACT_EXE_ERROR':
      return err(ErrorId.TxReverted, 'terminal', 'the contract call failed', e);
    case 'TOO_BIG_TRANSACTION_ERROR':
    case 'TOO_BIG_TRANSACTION_RESULT_ERROR':
      return err(TronErrorId.TxTooBig, 'terminal', 'transaction too big', e);
    case 'SERVER_BUSY':
    case 'NO_CONNECTION':
    case 'NOT_ENOUGH_EFFECTIVE_CONNECTION':
    case 'BLOCK_UNSOLIDIFIED':
      return err(ErrorId.RpcFailed, 'retryable', 'the node cannot take transactions right now', e);
    default:
      // OTHER_ERROR and unknown codes: resending the same signed bytes is safe, so let the activity policy retry.
      return err(ErrorId.BroadcastFailed, 'retryable', `broadcast failed (${e.code})`, e);
  }
}

/** TronGrid past its frequency limit answers HTTP 200 with `{ Error }` ("… exceeds the frequency limit(15), and the query server is suspended for 30s"). */
const RATE_LIMITED = /frequency limit|query server is suspended|rate limit|too many requests|allowed_rps/i;

const NETWORK =
  /fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|TimeoutError|aborted|timed out|network/i;

export function classifyTronError(error: unknown): BaseError {
  if (isBaseError(error)) return error;
  if (error instanceof TronBroadcastRejected) return classifyRejection(error);
  if (error instanceof TronHttpError) {
    if (error.status === 429 || error.status >= 500)
      return err(ErrorId.RpcFailed, 'retryable', 'Tron node unavailable or rate limited', error);
    if (error.status === 403)
      return err(ErrorId.RpcFailed, 'retryable', 'Tron node refused the request (API key or rate limit)', error);
    return err(TronErrorId.RpcRejected, 'terminal', `Tron node rejected the request (HTTP ${error.status})`, error);
  }
  if (error instanceof TronNodeError) {
    if (RATE_LIMITED.test(error.nodeMessage))
      return err(ErrorId.RpcFailed, 'retryable', 'Tron node rate limited (HTTP 200 with an Error body)', error);
    if (/balance is not sufficient|insufficient/i.test(error.nodeMessage)) {
      return err(ErrorId.InsufficientFunds, 'terminal', 'insufficient funds', error);
    }
    return err(TronErrorId.RpcRejected, 'terminal', 'Tron node rejected the request', error);
  }
  const text = errorText(error);
  if (
    NETWORK.test(text) ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  ) {
    return err(ErrorId.RpcFailed, 'retryable', 'Tron node unreachable', error);
  }
  return err(ErrorId.RpcFailed, 'retryable', 'unexpected Tron node error', error);
}
