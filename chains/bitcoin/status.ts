/**
 * One status check for a txid. Needs a node with -txindex (getrawtransaction for confirmed transactions).
 *
 * - in the mempool → pending (also after a reorg disconnected its block: Core puts it back in the mempool)
 * - in a block of the active chain → included; final once confirmations ≥ requiredConfirmations
 * - unknown, and one of its inputs is spent on chain by another transaction → expired (can never land)
 * - unknown otherwise → not_found
 */
import type { ChainStatus, NetworkConfig, StatusContext } from '../types.js';
import { type BitcoinRpc, BitcoinRpcError } from './rpc.js';

interface VerboseTx {
  txid: string;
  blockhash?: string;
  confirmations?: number;
}

async function getVerboseTx(rpc: BitcoinRpc, txid: string): Promise<VerboseTx | 'missing' | 'no_txindex'> {
  try {
    return await rpc.call<VerboseTx>('getrawtransaction', [txid, true]);
  } catch (err) {
    if (err instanceof BitcoinRpcError && err.code === -5)
      return /txindex/i.test(err.rpcMessage) ? 'no_txindex' : 'missing';
    throw err;
  }
}

async function inMempool(rpc: BitcoinRpc, txid: string): Promise<boolean> {
  try {
    await rpc.call('getmempoolentry', [txid]);
    return true;
  } catch (err) {
    if (err instanceof BitcoinRpcError && err.code === -5) return false;
    throw err;
  }
}

/** True when the transaction index has caught up with the chain tip (it is updated in the background). */
async function txindexAtTip(rpc: BitcoinRpc): Promise<boolean> {
  const [info, height] = await Promise.all([
    rpc.call<{ txindex?: { synced: boolean; best_block_height: number } }>('getindexinfo', ['txindex']),
    rpc.call<number>('getblockcount'),
  ]);
  return !!info.txindex?.synced && info.txindex.best_block_height >= height;
}

/** Whether any input listed in the build details is no longer in the confirmed UTXO set. */
async function anyInputSpentOnChain(rpc: BitcoinRpc, details: Record<string, unknown>): Promise<boolean> {
  const inputs = Array.isArray(details.inputs) ? (details.inputs as { txid: string; vout: number }[]) : [];
  if (inputs.length === 0) return false;
  const outs = await rpc.batch<unknown>(inputs.map((i) => ({ method: 'gettxout', params: [i.txid, i.vout, false] })));
  return outs.some((o) => {
    if (o instanceof BitcoinRpcError) throw o;
    return o === null;
  });
}

export async function getTxStatus(
  rpc: BitcoinRpc,
  network: NetworkConfig,
  txid: string,
  context: StatusContext,
): Promise<ChainStatus> {
  const tx = await getVerboseTx(rpc, txid);
  if (tx === 'no_txindex') return (await inMempool(rpc, txid)) ? { state: 'pending' } : { state: 'not_found' };

  if (tx !== 'missing') {
    if (!tx.blockhash) return { state: 'pending' };
    if (tx.confirmations && tx.confirmations > 0) {
      const header = await rpc.call<{ height: number; confirmations: number }>('getblockheader', [tx.blockhash]);
      if (header.confirmations > 0) {
        const confirmations = header.confirmations;
        return {
          state: 'included',
          blockNumber: String(header.height),
          blockHash: tx.blockhash,
          confirmations,
          final: confirmations >= network.requiredConfirmations,
        };
      }
    }
    // The index points at a block that is no longer in the active chain.
    if (await inMempool(rpc, txid)) return { state: 'pending' };
  }

  if (await anyInputSpentOnChain(rpc, context.details)) {
    // The index may lag a freshly connected block that spent the inputs with this very transaction.
    if (!(await txindexAtTip(rpc))) return { state: 'not_found' };
    const again = await getVerboseTx(rpc, txid);
    if (again !== 'missing') return getTxStatus(rpc, network, txid, { ...context, details: {} });
    return { state: 'expired', reason: 'an input of this transaction was spent on chain by another transaction' };
  }
  return { state: 'not_found' };
}
