/**
 * One classifier for everything the Solana adapter can meet: validator JSON-RPC errors (preflight -32002 with
 * `data.err`, signature failure -32003, unhealthy node -32005, …), web3.js errors, HTTP status and network failures.
 */
import { SolanaJSONRPCError } from '@solana/web3.js';
import { BaseError, errorText, isBaseError } from '../../errors/base.js';
import { chainError, ErrorId } from '../../errors/codes.js';
import { SolanaHttpError, SolanaRpcError } from './rpc.js';

/** Solana-specific error ids (beside errors/codes.ts). */
export const SolanaErrorId = {
  /** The blockhash the transaction was built on is no longer accepted; rebuild and re-sign (nothing landed). */
  BlockhashExpired: 'blockhash_expired',
  /** The transaction's signature is already in the status cache: it landed. */
  AlreadyProcessed: 'already_processed',
  /** The validator rejected the signature(s). */
  BadSignature: 'bad_signature',
  /** Preflight simulation failed for a reason other than funds. */
  SimulationFailed: 'simulation_failed',
} as const;

const SYSTEM_OR_TOKEN_INSUFFICIENT_FUNDS = 1; // SystemError::ResultWithNegativeLamports and TokenError::InsufficientFunds

/** The validator's transaction error (`data.err` / status `err`) → a classified error. */
export function classifyTransactionError(err: unknown, cause?: unknown, message?: string): BaseError {
  const text = message ?? `transaction error ${JSON.stringify(err)}`;
  if (err === 'AlreadyProcessed') {
    return chainError(SolanaErrorId.AlreadyProcessed, 'transaction already processed', 'already_done', cause, text);
  }
  if (err === 'BlockhashNotFound') {
    return chainError(
      SolanaErrorId.BlockhashExpired,
      'blockhash expired; rebuild and sign again',
      'terminal',
      cause,
      text,
    );
  }
  if (err === 'InsufficientFundsForFee' || err === 'AccountNotFound') {
    return chainError(ErrorId.InsufficientFunds, 'not enough SOL to pay the fee', 'terminal', cause, text);
  }
  if (err === 'SignatureFailure') {
    return chainError(SolanaErrorId.BadSignature, 'transaction signature is invalid', 'terminal', cause, text);
  }
  if (err && typeof err === 'object') {
    if ('InsufficientFundsForRent' in err) {
      return chainError(
        ErrorId.InsufficientFunds,
        'an account would be left below the rent-exempt minimum',
        'terminal',
        cause,
        text,
      );
    }
    const ix = (err as { InstructionError?: [number, unknown] }).InstructionError;
    if (ix) {
      const inner = ix[1];
      const custom = inner && typeof inner === 'object' ? (inner as { Custom?: number }).Custom : undefined;
      if (custom === SYSTEM_OR_TOKEN_INSUFFICIENT_FUNDS || inner === 'InsufficientFunds') {
        return chainError(ErrorId.InsufficientFunds, 'insufficient funds', 'terminal', cause, text);
      }
    }
  }
  return chainError(SolanaErrorId.SimulationFailed, 'transaction rejected by simulation', 'terminal', cause, text);
}

function classifyRpcCode(code: number, message: string, data: unknown, cause: unknown): BaseError {
  switch (code) {
    case -32002: {
      const err = (data as { err?: unknown } | undefined)?.err;
      if (err !== undefined && err !== null) return classifyTransactionError(err, cause, message);
      return chainError(
        SolanaErrorId.SimulationFailed,
        'transaction rejected by simulation',
        'terminal',
        cause,
        message,
      );
    }
    case -32003:
      return chainError(SolanaErrorId.BadSignature, 'transaction signature is invalid', 'terminal', cause, message);
    case -32004: // block not available
    case -32005: // node unhealthy / behind
    case -32007: // slot skipped
    case -32009: // slot missing in long-term storage
    case -32014: // block status not yet available
    case -32016: // min context slot not reached
    case -32603: // internal error
      return chainError(ErrorId.RpcFailed, 'Solana RPC is temporarily unavailable', 'retryable', cause, message);
    case -32015:
      return chainError(
        ErrorId.BroadcastFailed,
        'transaction version not supported by the RPC',
        'terminal',
        cause,
        message,
      );
    case -32600:
    case -32601:
    case -32602:
      return chainError(ErrorId.RpcFailed, 'Solana RPC rejected the request', 'terminal', cause, message);
    default:
      return chainError(ErrorId.RpcFailed, 'Solana RPC error', 'retryable', cause, `${code}: ${message}`);
  }
}

function classifyHttpStatus(status: number, cause: unknown, text: string): BaseError {
  if (status === 429 || status === 408 || status >= 500) {
    return chainError(ErrorId.RpcFailed, `Solana RPC unavailable (HTTP ${status})`, 'retryable', cause, text);
  }
  return chainError(ErrorId.RpcFailed, `Solana RPC refused the request (HTTP ${status})`, 'terminal', cause, text);
}

const NETWORK =
  /Node is (unhealthy|behind)|fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up|network|timed? ?out|aborted/i;

export function classifySolanaError(error: unknown): BaseError {
  if (isBaseError(error)) return error;
  if (error instanceof SolanaRpcError) return classifyRpcCode(error.code, error.message, error.data, error);
  if (error instanceof SolanaHttpError) return classifyHttpStatus(error.status, error, error.message);
  if (error instanceof SolanaJSONRPCError) {
    return classifyRpcCode(typeof error.code === 'number' ? error.code : 0, error.message, error.data, error);
  }
  const text = errorText(error);
  // web3.js reports HTTP failures as "<status> <statusText>: <body>" inside its own message.
  const http = /(?:^|: )(\d{3}) [A-Za-z ]+:/.exec(text);
  if (http) return classifyHttpStatus(Number(http[1]), error, text);
  if (
    NETWORK.test(text) ||
    (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
  ) {
    return chainError(ErrorId.RpcFailed, 'Solana RPC unreachable', 'retryable', error, text);
  }
  return new BaseError('unexpected Solana adapter error', {
    id: ErrorId.RpcFailed,
    kind: 'terminal',
    cause: error,
    details: text,
  });
}
