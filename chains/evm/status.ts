import type { Hex, PublicClient } from 'viem';
import type { ChainStatus, NetworkConfig } from '../types.js';

/**
 * One status check. A receipt whose block is no longer canonical (reorg) reads as pending/not found,
 * so the workflow moves the transfer back to `submitted`.
 */
export async function evmStatus(client: PublicClient, network: NetworkConfig, hash: string): Promise<ChainStatus> {
  const receipt = await client.getTransactionReceipt({ hash: hash as Hex }).catch((err: unknown) => {
    if (isNotFound(err)) return null;
    throw err;
  });
  if (!receipt) {
    const tx = await client.getTransaction({ hash: hash as Hex }).catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    return tx ? { state: 'pending' } : { state: 'not_found' };
  }
  const [head, block] = await Promise.all([
    client.getBlockNumber({ cacheTime: 0 }),
    client.getBlock({ blockNumber: receipt.blockNumber }),
  ]);
  if (block.hash !== receipt.blockHash) return { state: 'pending' };
  const confirmations = Number(head - receipt.blockNumber + 1n);
  let final: boolean;
  if (network.finality === 'tag') {
    const finalized = await client.getBlock({ blockTag: 'finalized' });
    final = finalized.number !== null && finalized.number >= receipt.blockNumber;
  } else {
    final = confirmations >= network.requiredConfirmations;
  }
  const placed = { blockNumber: receipt.blockNumber.toString(), blockHash: receipt.blockHash, confirmations, final };
  if (receipt.status === 'reverted') return { state: 'failed', reason: 'execution reverted on chain', ...placed };
  return { state: 'included', ...placed };
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return name === 'TransactionReceiptNotFoundError' || name === 'TransactionNotFoundError';
}
