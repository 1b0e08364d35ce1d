/**
 * One classifier for everything the Bitcoin adapter throws or receives: node rejections (RPC -25/-26/-27
 * and their reject reasons), other RPC errors, HTTP errors and network failures.
 *
 * Chain-specific ids: utxo_spent, utxo_conflict, fee_too_low, fee_too_high, dust_output, invalid_signature,
 * bad_transaction, fee_estimate_unavailable, too_many_inputs, rpc_unauthorized.
 */
import { BaseError, errorText, isBaseError } from '../../errors/base.js';
import { chainError, ErrorId } from '../../errors/codes.js';
import { BitcoinHttpError, BitcoinRpcError, RpcCode } from './rpc.js';

interface Rule {
  test: RegExp;
  id: string;
  kind: BaseError['kind'];
  message: string;
}

/** Reject reasons from Bitcoin Core's mempool / consensus checks (first match wins). */
const REJECTIONS: Rule[] = [
  {
    test: /already in block ?chain|txn-already-known|txn-already-in-mempool/i,
    id: 'already_known',
    kind: 'already_done',
    message: 'the transaction is already known to the network',
  },
  {
    test: /txn-mempool-conflict|insufficient fee, rejecting replacement|replacement-adds-unconfirmed|too many potential replacements/i,
    id: 'utxo_conflict',
    kind: 'terminal',
    message: 'an input is already spent by another unconfirmed transaction',
  },
  {
    test: /bad-txns-inputs-missingorspent|missing inputs|missingorspent|bad-txns-inputs-spent/i,
    id: 'utxo_spent',
    kind: 'terminal',
    message: 'an input is missing or already spent',
  },
  {
    test: /min relay fee not met|mempool min fee not met|insufficient fee|bad-txns-fee|insufficient priority/i,
    id: 'fee_too_low',
    kind: 'terminal',
    message: 'the transaction fee is below what the node accepts',
  },
  {
    test: /absurdly-high-fee|max-fee-exceeded|fee exceeds maximum/i,
    id: 'fee_too_high',
    kind: 'terminal',
    message: 'the transaction fee is above the node’s safety limit',
  },
  {
    test: /\bdust\b/i,
    id: 'dust_output',
    kind: 'terminal',
    message: 'an output is below the dust limit',
  },
  {
    test: /script-verify-flag|signature must be zero|non-canonical|bad-witness|witness-mismatch|signature|scriptsig/i,
    id: 'invalid_signature',
    kind: 'terminal',
    message: 'the node rejected the transaction’s signatures',
  },
  {
    test: /bad-txns-in-belowout|bad-txns-vout-negative|bad-txns-vout-toolarge|bad-txns-txouttotal-toolarge/i,
    id: ErrorId.InsufficientFunds,
    kind: 'terminal',
    message: 'outputs exceed inputs',
  },
  {
    test: /non-final|non-BIP68-final|premature-spend-of-coinbase|bad-txns-premature-spend-of-coinbase/i,
    id: ErrorId.BroadcastFailed,
    kind: 'retryable',
    message: 'the transaction is not valid yet (lock time or coinbase maturity)',
  },
  {
    test: /too-long-mempool-chain|mempool full|too many unconfirmed ancestors/i,
    id: ErrorId.BroadcastFailed,
    kind: 'retryable',
    message: 'the node’s mempool cannot take the transaction right now',
  },
  {
    test: /TX decode failed|bad-txns-|tx-size|version|scriptpubkey|bare-multisig|multi-op-return|tx-size-small|bad-txns-vin-empty/i,
    id: 'bad_transaction',
    kind: 'terminal',
    message: 'the node rejected the transaction as invalid or non-standard',
  },
];

function isNetworkFailure(err: unknown): boolean {
  const text = errorText(err);
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up|fetch failed|TimeoutError|aborted|other side closed|UND_ERR/i.test(
    text,
  );
}

export function classifyBitcoinError(err: unknown): BaseError {
  if (isBaseError(err)) return err;

  if (err instanceof BitcoinRpcError) {
    const msg = err.rpcMessage;
    if (err.code === RpcCode.VerifyAlreadyInChain) {
      return chainError('already_known', 'the transaction is already in the block chain', 'already_done', err, msg);
    }
    if (
      err.code === RpcCode.InWarmup ||
      /scan already in progress|Loading|Rewinding|Verifying|txindex is still/i.test(msg)
    ) {
      return chainError(ErrorId.RpcFailed, 'the bitcoin node is busy; try again', 'retryable', err, msg);
    }
    if (/no fee estimate available/i.test(msg)) {
      return chainError('fee_estimate_unavailable', 'the node has no fee estimate yet', 'retryable', err, msg);
    }
    if (
      err.method === 'sendrawtransaction' ||
      err.code === RpcCode.VerifyError ||
      err.code === RpcCode.VerifyRejected ||
      err.code === RpcCode.DeserializationError
    ) {
      for (const rule of REJECTIONS) {
        if (rule.test.test(msg)) return chainError(rule.id, rule.message, rule.kind, err, msg);
      }
      return chainError(ErrorId.BroadcastFailed, 'the node rejected the transaction', 'terminal', err, msg);
    }
    if (err.code === RpcCode.MethodNotFound) {
      return chainError(ErrorId.RpcFailed, `the bitcoin node does not support ${err.method}`, 'terminal', err, msg);
    }
    return chainError(
      ErrorId.RpcFailed,
      `bitcoin rpc ${err.method} failed`,
      'retryable',
      err,
      `${msg} (code ${err.code})`,
    );
  }

  if (err instanceof BitcoinHttpError) {
    if (err.status === 401 || err.status === 403) {
      return chainError('rpc_unauthorized', 'the bitcoin node refused the RPC credentials', 'terminal', err);
    }
    return chainError(ErrorId.RpcFailed, `bitcoin node answered HTTP ${err.status}`, 'retryable', err);
  }

  if (isNetworkFailure(err)) {
    return chainError(ErrorId.RpcFailed, 'could not reach the bitcoin node', 'retryable', err, errorText(err));
  }
  // Anything else is a bug or bad data on our side: retrying the same input would not help.
  return new BaseError('unexpected bitcoin adapter error', {
    id: ErrorId.Internal,
    kind: 'terminal',
    cause: err,
    details: errorText(err),
  });
}
