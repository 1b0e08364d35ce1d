import type { Hex, PublicClient } from 'viem';
import type { ChainStatus, NetworkConfig, StatusContext } from '../types.js';

/**
 * One status check. A receipt whose block is no longer canonical (reorg) reads as pending/not found,
 * so the workflow moves the transfer back to `submitted`.
 *
 * `expired` (these bytes can never land) only with proof: the sender's nonce count at a block the network
 * treats as final (the `finalized` tag, or `requiredConfirmations` deep) is past our nonce, and the receipt
 * lookup made after that read still does not know our hash — so a different transaction used the nonce.
 */
export async function evmStatus(
  client: PublicClient,
  network: NetworkConfig,
  hash: string,
  context?: StatusContext,
): Promise<ChainStatus> {
  const receipt = await receiptOf(client, hash);
  if (!receipt) {
    const tx = await client.getTransaction({ hash: hash as Hex }).catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    if (tx) return { state: 'pending' };
    const proof = context ? await nonceConsumedByOther(client, network, hash, context.details) : null;
    return proof ? { state: 'expired', reason: proof } : { state: 'not_found' };
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

async function receiptOf(client: PublicClient, hash: string) {
  return client.getTransactionReceipt({ hash: hash as Hex }).catch((err: unknown) => {
    if (isNotFound(err)) return null;
    throw err;
  });
}

/** The evidence that another transaction consumed our nonce in a final block, or null. */
async function nonceConsumedByOther(
  client: PublicClient,
  network: NetworkConfig,
  hash: string,
  details: Record<string, unknown>,
): Promise<string | null> {
  if (typeof details.nonce !== 'string' || typeof details.from !== 'string') return null;
  const nonce = BigInt(details.nonce);
  const from = details.from as Hex;
  let blockNumber: bigint;
  if (network.finality === 'tag') {
    const finalized = await client.getBlock({ blockTag: 'finalized' });
    if (finalized.number === null) return null;
    blockNumber = finalized.number;
  } else {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    blockNumber = head - BigInt(Math.max(0, network.requiredConfirmations - 1));
    if (blockNumber < 0n) return null;
  }
  const count = BigInt(await client.getTransactionCount({ address: from, blockNumber }));
  if (count <= nonce) return null;
  // Read after the nonce: if our transaction used it, its receipt is visible now.
  if (await receiptOf(client, hash)) return null;
  return `nonce ${nonce} of ${from} was used by another transaction: the account's nonce count is ${count} at final block ${blockNumber} and ${hash} is in no block`;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return name === 'TransactionReceiptNotFoundError' || name === 'TransactionNotFoundError';
}
