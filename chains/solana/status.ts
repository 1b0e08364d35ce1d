/**
 * Status, one check: getSignatureStatuses (searching history). processed/confirmed → included, not final;
 * finalized → final; err → failed. Not found is `expired` only when the finalized block height has passed the
 * blockhash's lastValidBlockHeight: from then on no fork can include it, so rebuilding cannot double-spend.
 */
import type { ChainStatus, StatusContext } from '../types.js';
import type { SolanaRpc } from './rpc.js';

interface BlockInfo {
  blockhash: string;
  blockHeight: number | null;
}

async function blockOf(rpc: SolanaRpc, slot: number): Promise<BlockInfo | null> {
  // getBlock does not serve `processed`; a missing/skipped block just leaves the hash empty.
  return rpc
    .call<BlockInfo | null>('getBlock', [
      slot,
      { commitment: 'confirmed', transactionDetails: 'none', rewards: false, maxSupportedTransactionVersion: 0 },
    ])
    .catch(() => null);
}

export async function solanaStatus(rpc: SolanaRpc, hash: string, context: StatusContext): Promise<ChainStatus> {
  // Height first: if it is past lastValidBlockHeight now, a landed transaction is already visible below.
  const finalizedHeight = await rpc.connection.getBlockHeight('finalized');
  const { value } = await rpc.connection.getSignatureStatuses([hash], { searchTransactionHistory: true });
  const status = value[0];
  if (!status) {
    const lastValid = Number(context.details.lastValidBlockHeight);
    if (Number.isFinite(lastValid) && finalizedHeight > lastValid) {
      return {
        state: 'expired',
        reason: `blockhash expired: finalized block height ${finalizedHeight} > lastValidBlockHeight ${lastValid}`,
      };
    }
    return { state: 'not_found' };
  }
  const final = status.confirmationStatus === 'finalized';
  const block = status.confirmationStatus === 'processed' ? null : await blockOf(rpc, status.slot);
  let confirmations = status.confirmations ?? 0;
  if (status.confirmations === null && block?.blockHeight != null) {
    confirmations = Math.max(1, finalizedHeight - block.blockHeight + 1);
  }
  const where = { blockNumber: String(status.slot), blockHash: block?.blockhash ?? '', confirmations };
  if (status.err) return { state: 'failed', reason: JSON.stringify(status.err), ...where, final };
  return { state: 'included', ...where, final };
}
