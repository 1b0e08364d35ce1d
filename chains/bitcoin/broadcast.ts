/**
 * Idempotent broadcast. Bitcoin Core returns the txid without error when the transaction is already in its
 * mempool, so we look first; "already in block chain" (-27) is also success. On rejections that could mean
 * "our own transaction already spent these inputs" (missing/spent inputs, mempool conflict) we ask the node
 * whether this very txid is known before calling it a failure.
 */
import type { BroadcastResult, SignedTx } from '../types.js';
import { classifyBitcoinError } from './errors.js';
import { type BitcoinRpc, BitcoinRpcError } from './rpc.js';

/** True when the node knows the transaction (mempool, or a block with -txindex). */
export async function isKnownTransaction(rpc: BitcoinRpc, txid: string): Promise<boolean> {
  try {
    await rpc.call('getrawtransaction', [txid, false]);
    return true;
  } catch (err) {
    if (err instanceof BitcoinRpcError && err.code === -5) return false;
    throw err;
  }
}

export async function broadcastRaw(rpc: BitcoinRpc, signed: SignedTx): Promise<BroadcastResult> {
  const inMempool = await rpc
    .call('getmempoolentry', [signed.hash])
    .then(() => true)
    .catch((err) => {
      if (err instanceof BitcoinRpcError && err.code === -5) return false; // "Transaction not in mempool"
      throw err;
    });
  try {
    // Also sent when already in the mempool: harmless, and it re-announces the transaction to peers.
    const txid = await rpc.call<string>('sendrawtransaction', [signed.raw]);
    if (txid !== signed.hash) throw new Error(`node returned txid ${txid}, expected ${signed.hash}`);
    return { hash: signed.hash, alreadyKnown: inMempool };
  } catch (err) {
    const classified = classifyBitcoinError(err);
    if (classified.kind === 'already_done') return { hash: signed.hash, alreadyKnown: true };
    if (['utxo_spent', 'utxo_conflict', 'broadcast_failed'].includes(classified.id)) {
      // Ambiguous: maybe these inputs were spent by this very transaction (a retried broadcast after it was mined).
      if (await isKnownTransaction(rpc, signed.hash).catch(() => false))
        return { hash: signed.hash, alreadyKnown: true };
    }
    throw classified;
  }
}
