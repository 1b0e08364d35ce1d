/**
 * The one EVM error classifier. Node messages differ between clients (geth, erigon, anvil, reth, nethermind),
 * so matching is by regex over the whole cause chain, in one place (cf. viem's getNodeError).
 */
import { BaseError, errorText, isBaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';

interface Rule {
  match: RegExp;
  id: string;
  kind: BaseError['kind'];
  message: string;
}

const rules: Rule[] = [
  {
    match: /already known|known transaction|already imported|AlreadyKnown/i,
    id: 'already_known',
    kind: 'already_done',
    message: 'transaction already known to the node',
  },
  {
    match: /nonce too low|nonce is too low|NonceTooLow|invalid nonce|OldNonce/i,
    id: ErrorId.NonceConflict,
    kind: 'terminal',
    message: 'nonce already used on chain',
  },
  {
    match: /replacement transaction underpriced|ReplacementUnderpriced|already exists with same nonce/i,
    id: ErrorId.NonceConflict,
    kind: 'terminal',
    message: 'another transaction with this nonce is pending',
  },
  {
    match: /insufficient funds|InsufficientFunds|exceeds balance|insufficient balance/i,
    id: ErrorId.InsufficientFunds,
    kind: 'terminal',
    message: 'insufficient funds for amount plus gas',
  },
  {
    match: /execution reverted|reverted|revert/i,
    id: ErrorId.EstimateGasReverted,
    kind: 'terminal',
    message: 'the transaction would revert',
  },
  {
    match: /returned no data \("0x"\)|ContractFunctionZeroDataError|does not have the function|not a contract/i,
    id: 'contract_call_failed',
    kind: 'terminal',
    message: 'the address is not a contract with that function',
  },
  {
    // Bor (Polygon, PIP-35): "transaction gas price below minimum: gas tip cap 1000000000, minimum needed 25000000000".
    match: /gas price below minimum|gas tip cap \d+, minimum needed|tip below minimum/i,
    id: ErrorId.FeeTooLow,
    kind: 'terminal',
    message: 'the fee is below the network minimum',
  },
  {
    match:
      /intrinsic gas too low|gas limit reached|exceeds block gas limit|max fee per gas less than block base fee|fee cap less than block base fee|transaction underpriced/i,
    id: ErrorId.FeeTooLow,
    kind: 'terminal',
    message: 'gas or fee settings rejected by the node',
  },
  {
    match: /invalid sender|invalid signature|signature/i,
    id: 'invalid_signature',
    kind: 'terminal',
    message: 'the node rejected the signature',
  },
  {
    match: /chain id|chainId|invalid chain/i,
    id: 'wrong_chain',
    kind: 'terminal',
    message: 'the transaction was signed for another chain',
  },
  {
    match: /rate limit|too many requests|\b429\b|capacity|limit exceeded|-32005/i,
    id: ErrorId.RpcFailed,
    kind: 'retryable',
    message: 'RPC rate limited',
  },
  {
    match:
      /fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|timed out|timeout|HTTP request failed|\b50[0-9]\b|network/i,
    id: ErrorId.RpcFailed,
    kind: 'retryable',
    message: 'RPC unreachable',
  },
];

export function classifyEvmError(error: unknown): BaseError {
  if (isBaseError(error)) return error;
  const text = errorText(error);
  const rule = rules.find((r) => r.match.test(text));
  if (rule)
    return new BaseError(rule.message, { id: rule.id, kind: rule.kind, cause: error, details: text.slice(0, 500) });
  // Unknown: retrying is safe (the same signed bytes or the same read), so default to retryable; the
  // activity policy bounds the attempts.
  return new BaseError('unexpected RPC error', {
    id: ErrorId.RpcFailed,
    kind: 'retryable',
    cause: error,
    details: text.slice(0, 500),
  });
}
