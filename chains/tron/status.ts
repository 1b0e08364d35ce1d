/**
 * One status check, finality = solidified (the `/walletsolidity` view):
 * solidity info → final included/failed; full-node info → included, not final; known to the node but no info
 * yet (pending pool) → pending; otherwise expired once the solidified head is past the expiration (no block
 * that could still hold it can change any more), else not_found.
 */
import type { ChainStatus, StatusContext } from '../types.js';
import { decodeNodeMessage, type TronHttpClient, TronHttpError, type TronTransactionInfo } from './http.js';

function failureReason(info: TronTransactionInfo): string | null {
  const receiptResult = info.receipt?.result;
  if (info.result !== 'FAILED' && (!receiptResult || receiptResult === 'SUCCESS')) return null;
  const message = decodeNodeMessage(info.resMessage);
  return [receiptResult ?? 'FAILED', message].filter(Boolean).join(': ');
}

async function fromInfo(client: TronHttpClient, info: TronTransactionInfo, final: boolean): Promise<ChainStatus> {
  const blockNumber = info.blockNumber ?? 0;
  const [head, block] = await Promise.all([
    client.getNowBlock(),
    client.wallet<{ blockID?: string }>('getblock', { id_or_num: String(blockNumber), detail: false }),
  ]);
  const confirmations = Math.max(1, (head.block_header.raw_data.number ?? 0) - blockNumber + 1);
  const common = { blockNumber: String(blockNumber), blockHash: block.blockID ?? '', confirmations, final };
  const reason = failureReason(info);
  return reason ? { state: 'failed', reason, ...common } : { state: 'included', ...common };
}

/** The pending-pool endpoint is missing on some node versions/providers: treat "no such endpoint" as "not there". */
async function inPendingPool(client: TronHttpClient, hash: string): Promise<boolean> {
  try {
    return Boolean((await client.getTransactionFromPending(hash)).txID);
  } catch (err) {
    if (err instanceof TronHttpError && (err.status === 404 || err.status === 405)) return false;
    throw err;
  }
}

export async function tronStatus(client: TronHttpClient, hash: string, context: StatusContext): Promise<ChainStatus> {
  const solid = await client.getSolidTransactionInfo(hash);
  if (solid.id) return fromInfo(client, solid, true);
  const info = await client.getTransactionInfo(hash);
  if (info.id) return fromInfo(client, info, false);
  if ((await client.getTransactionById(hash)).txID || (await inPendingPool(client, hash))) return { state: 'pending' };

  const expiration = context.details.expiration;
  if (typeof expiration === 'number') {
    const solidHead = await client.getSolidNowBlock();
    const solidTime = solidHead.block_header.raw_data.timestamp ?? 0;
    if (solidTime >= expiration) {
      return {
        state: 'expired',
        reason: `expiration ${new Date(expiration).toISOString()} passed (solidified head at ${new Date(solidTime).toISOString()}) and the transaction is not on chain`,
      };
    }
  }
  return { state: 'not_found' };
}
