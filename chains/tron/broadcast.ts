/**
 * POST /wallet/broadcasttransaction. Idempotent: DUP_TRANSACTION_ERROR is success, and any other terminal
 * rejection is double-checked against the chain, because a resend of a transaction that already landed can
 * be refused for reasons it caused itself (its TaPoS block aged out, it expired, its amount is already spent).
 */
import type { BroadcastResult, SignedTx } from '../types.js';
import { classifyTronError, TronBroadcastRejected } from './errors.js';
import { decodeNodeMessage, type TronHttpClient, TronHttpError } from './http.js';

/** Whether the node knows the transaction. A failed lookup is an error, never "not on chain". */
async function alreadyOnChain(client: TronHttpClient, hash: string): Promise<boolean> {
  const lookups = [
    () => client.getTransactionInfo(hash).then((r) => Boolean(r.id)),
    () => client.getTransactionById(hash).then((r) => Boolean(r.txID)),
    // Missing on some node versions/providers: only that answer means "not there".
    () =>
      client
        .getTransactionFromPending(hash)
        .then((r) => Boolean(r.txID))
        .catch((err: unknown) => {
          if (err instanceof TronHttpError && (err.status === 404 || err.status === 405)) return false;
          throw err;
        }),
  ];
  for (const lookup of lookups) {
    const known = await lookup().catch((err: unknown) => {
      throw classifyTronError(err);
    });
    if (known) return true;
  }
  return false;
}

export async function tronBroadcast(client: TronHttpClient, signed: SignedTx): Promise<BroadcastResult> {
  let res: Awaited<ReturnType<TronHttpClient['broadcast']>>;
  try {
    res = await client.broadcast(JSON.parse(signed.raw));
  } catch (err) {
    throw classifyTronError(err);
  }
  if (res.result === true) return { hash: signed.hash, alreadyKnown: false };

  const classified = classifyTronError(
    new TronBroadcastRejected(res.code ?? 'OTHER_ERROR', decodeNodeMessage(res.message), res.txid),
  );
  if (classified.kind === 'already_done') return { hash: signed.hash, alreadyKnown: true };
  if (classified.kind === 'terminal' && (await alreadyOnChain(client, signed.hash))) {
    return { hash: signed.hash, alreadyKnown: true };
  }
  throw classified;
}
