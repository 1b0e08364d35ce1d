/**
 * Submission through Horizon's synchronous POST /transactions.
 *
 * Idempotent: a hash Horizon already has is `alreadyKnown`, before and after submitting (a tx_bad_seq
 * for our own, already-applied transaction is success too). A transaction that made it into a
 * ledger but failed (`tx_failed`: fee and sequence consumed) counts as broadcast; getStatus reports
 * it as `failed`, like a reverted EVM transaction. Everything else throws a classified error.
 */
import type { BroadcastResult, SignedTx } from '../types.js';
import { classifyStellarError } from './errors.js';
import { type HorizonClient, HorizonError } from './horizon.js';

export async function broadcastStellarTx(horizon: HorizonClient, signed: SignedTx): Promise<BroadcastResult> {
  if (await horizon.transaction(signed.hash)) return { hash: signed.hash, alreadyKnown: true };
  try {
    const res = await horizon.submit(signed.raw);
    if (res.hash && res.hash !== signed.hash) throw new Error(`Horizon answered for ${res.hash}, not ${signed.hash}`);
    return { hash: signed.hash, alreadyKnown: false };
  } catch (err) {
    const codes = err instanceof HorizonError ? err.problem?.extras?.result_codes : undefined;
    if (codes?.transaction === 'tx_failed' && (await horizon.transaction(signed.hash))) {
      return { hash: signed.hash, alreadyKnown: false };
    }
    if (codes?.transaction === 'tx_bad_seq' && (await horizon.transaction(signed.hash))) {
      return { hash: signed.hash, alreadyKnown: true };
    }
    throw classifyStellarError(err);
  }
}
