/**
 * Broadcast: sendTransaction with preflight on and `maxRetries: 0`: the RPC node does not keep re-forwarding the
 * bytes on its own schedule; the transfer workflow resends the same bytes itself (every `resendIntervalMs`) until
 * the blockhash is proven expired. Idempotent: the signature is the transaction id, so a resend
 * that the validator reports as AlreadyProcessed is success.
 */
import type { BroadcastResult, SignedTx } from '../types.js';
import { classifySolanaError, SolanaErrorId } from './errors.js';
import { COMMITMENT, type SolanaRpc } from './rpc.js';

export async function solanaBroadcast(rpc: SolanaRpc, signed: SignedTx): Promise<BroadcastResult> {
  try {
    const signature = await rpc.call<string>('sendTransaction', [
      signed.raw,
      { encoding: 'base64', skipPreflight: false, preflightCommitment: COMMITMENT, maxRetries: 0 },
    ]);
    if (signature !== signed.hash) throw new Error(`RPC returned signature ${signature}, expected ${signed.hash}`);
    return { hash: signed.hash, alreadyKnown: false };
  } catch (err) {
    const classified = classifySolanaError(err);
    if (classified.kind === 'already_done') return { hash: signed.hash, alreadyKnown: true };
    // A resend after the blockhash expired also says BlockhashNotFound, even if the first send landed.
    // Only report "expired, rebuild" when the signature is provably not on chain.
    if (classified.id === SolanaErrorId.BlockhashExpired) {
      const landed = await rpc.connection
        .getSignatureStatuses([signed.hash], { searchTransactionHistory: true })
        .catch((e: unknown) => {
          throw classifySolanaError(e);
        });
      if (landed.value[0]) return { hash: signed.hash, alreadyKnown: true };
    }
    throw classified;
  }
}
