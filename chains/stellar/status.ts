/**
 * One status check. Ledger inclusion is final on Stellar (SCP: no forks, no reorgs), so an
 * included transaction is final once it has the network's required confirmations (1).
 * Horizon does not show queued transactions: unknown is `not_found` until the latest closed ledger's
 * close time passes the transaction's maxTime, after which it can never be included (`expired`).
 */
import type { ChainStatus, NetworkConfig, StatusContext } from '../types.js';
import type { HorizonClient } from './horizon.js';
import { decodeResultXdr } from './result-codes.js';

export async function stellarStatus(
  network: NetworkConfig,
  horizon: HorizonClient,
  hash: string,
  ctx: StatusContext,
): Promise<ChainStatus> {
  // Latest ledger first: if it already closed past maxTime, any ledger that could hold the
  // transaction was ingested before we ask for it, so "not found" is then conclusive.
  const latest = await horizon.latestLedger();
  const tx = await horizon.transaction(hash);
  if (!tx) {
    const maxTime = Number(ctx.details.maxTime ?? 0);
    const closedAt = Math.floor(Date.parse(latest.closed_at) / 1000);
    if (maxTime > 0 && closedAt > maxTime) {
      return {
        state: 'expired',
        reason: `not in any ledger and ledger ${latest.sequence} closed at ${latest.closed_at}, after maxTime ${maxTime}`,
      };
    }
    return { state: 'not_found' };
  }
  const ledger = await horizon.ledger(tx.ledger);
  const confirmations = Math.max(1, latest.sequence - tx.ledger + 1);
  const final = confirmations >= Math.max(1, network.requiredConfirmations);
  const where = { blockNumber: String(tx.ledger), blockHash: ledger.hash, confirmations, final };
  if (tx.successful) return { state: 'included', ...where };
  let reason = 'tx_failed';
  if (tx.result_xdr) {
    const codes = decodeResultXdr(tx.result_xdr);
    reason = [codes.transaction, ...(codes.operations ?? []).filter((c) => c !== 'op_success')].join(': ');
  }
  return { state: 'failed', reason, ...where };
}
