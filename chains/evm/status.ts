import type { Hex, PublicClient } from 'viem';
import type { ChainStatus, NetworkConfig, StatusContext } from '../types.js';

/**
 * One status check. A receipt whose block is no longer canonical (reorg) reads as pending/not found,
 * so the workflow moves the transfer back to `submitted`.
 *
 * `expired` (these bytes can never land) only with proof: a different transaction from the same sender with the
 * same nonce sits in a block the network treats as final (the `finalized` tag, or `requiredConfirmations` deep).
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

/** Blocks back from the final block where nodes still serve account state (non-archive nodes keep 128). */
const STATE_WINDOW = 127n;

/**
 * The evidence that another transaction consumed our nonce in a final block, or null. The consuming transaction is
 * read from the block itself (found by bisecting the sender's nonce count over block-pinned queries), so a node
 * that lags, or a load balancer mixing nodes, cannot make our own included transaction look like someone else's.
 */
async function nonceConsumedByOther(
  client: PublicClient,
  network: NetworkConfig,
  hash: string,
  details: Record<string, unknown>,
): Promise<string | null> {
  if (typeof details.nonce !== 'string' || typeof details.from !== 'string') return null;
  const nonce = BigInt(details.nonce);
  const from = details.from as Hex;
  let final: bigint;
  if (network.finality === 'tag') {
    const block = await client.getBlock({ blockTag: 'finalized' });
    if (block.number === null) return null;
    final = block.number;
  } else {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    final = head - BigInt(Math.max(0, network.requiredConfirmations - 1));
    if (final < 0n) return null;
  }
  const countAt = async (blockNumber: bigint) =>
    BigInt(await client.getTransactionCount({ address: from, blockNumber }));
  if ((await countAt(final)) <= nonce) return null;

  let lo = final > STATE_WINDOW ? final - STATE_WINDOW : 0n;
  if ((await countAt(lo)) > nonce) {
    // Used long before the state window: no node lags that far behind a final block.
    if (await receiptOf(client, hash)) return null;
    return `nonce ${nonce} of ${from} was used before block ${lo} (final block ${final}) and ${hash} is in no block`;
  }
  let hi = final; // count(lo) <= nonce < count(hi)
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if ((await countAt(mid)) > nonce) hi = mid;
    else lo = mid;
  }
  const block = await client.getBlock({ blockNumber: hi, includeTransactions: true });
  const user = block.transactions.find((t) => t.from.toLowerCase() === from.toLowerCase() && BigInt(t.nonce) === nonce);
  if (!user || user.hash.toLowerCase() === hash.toLowerCase()) return null;
  return `nonce ${nonce} of ${from} was used by ${user.hash} in block ${hi} (${block.hash}), final at block ${final}`;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return name === 'TransactionReceiptNotFoundError' || name === 'TransactionNotFoundError';
}
