/**
 * One classifier for everything the Bitcoin adapter throws or receives, from either backend: node
 * rejections (RPC -25/-26/-27 and their reject reasons, also as relayed by Esplora's `POST /tx` in a 400
 * text body), other RPC errors, Esplora HTTP errors, HTTP errors and network failures.
 *
 * Chain-specific ids: utxo_spent, utxo_conflict, fee_too_low, fee_too_high, dust_output, invalid_signature,
 * bad_transaction, fee_estimate_unavailable, too_many_inputs, too_many_utxos, rpc_unauthorized.
 */
import { BaseError, errorText, isBaseError } from '../../errors/base.js';
import { chainError, ErrorId } from '../../errors/codes.js';
import { EsploraHttpError } from './esplora.js';
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

  if (err instanceof EsploraHttpError) return classifyEsplora(err);

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

/**
 * Esplora relays bitcoind's rejection of `POST /tx` as HTTP 400 with a text body, in one of two shapes:
 * `sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met, …"}` (blockstream.info,
 * mempool.space) or `sendrawtransaction RPC error -26: min relay fee not met, …` (newer electrs).
 */
export function parseRelayedRpcError(body: string): { code: number; message: string } | undefined {
  const json = body.match(/RPC error:\s*(\{.*\})\s*$/s);
  if (json) {
    try {
      const parsed = JSON.parse(json[1]!) as { code?: unknown; message?: unknown };
      if (typeof parsed.code === 'number' && typeof parsed.message === 'string')
        return { code: parsed.code, message: parsed.message };
    } catch {
      // not JSON after all: fall through
    }
  }
  const plain = body.match(/RPC error (-?\d+):\s*(.*)$/s);
  if (plain) return { code: Number(plain[1]), message: plain[2]!.trim() };
  return undefined;
}

function classifyEsplora(err: EsploraHttpError): BaseError {
  if (err.status === 401 || err.status === 403) {
    return chainError('rpc_unauthorized', 'the esplora server refused the request', 'terminal', err, err.body);
  }
  if (err.status === 429) {
    return chainError(ErrorId.RpcFailed, 'the esplora server is rate-limiting us', 'retryable', err, err.body);
  }
  if (err.status >= 500 || err.status === 408) {
    return chainError(ErrorId.RpcFailed, `esplora server answered HTTP ${err.status}`, 'retryable', err, err.body);
  }
  if (err.method === 'POST' && err.path === '/tx') {
    const relayed = parseRelayedRpcError(err.body);
    // Same rules as a node's own answer (the code routes -27 "already in block chain" to success).
    return classifyBitcoinError(
      new BitcoinRpcError('sendrawtransaction', relayed?.code ?? RpcCode.VerifyRejected, relayed?.message ?? err.body),
    );
  }
  if (err.status === 404 && !/endpoint does not exist/i.test(err.body)) {
    // An object we were just told about is missing: a load-balanced server a block behind. Ask again.
    return chainError(ErrorId.RpcFailed, `esplora ${err.path}: not found yet`, 'retryable', err, err.body);
  }
  if (/too many/i.test(err.body)) {
    return chainError(
      'too_many_utxos',
      'the esplora server refuses to list this address (too many outputs or history entries)',
      'terminal',
      err,
      err.body,
    );
  }
  // Any other 4xx is the server refusing this request (bad address, unknown endpoint): retrying cannot help.
  return chainError(ErrorId.RpcFailed, `esplora ${err.method} ${err.path} was refused`, 'terminal', err, err.body);
}
