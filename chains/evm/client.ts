import { createPublicClient, http, type PublicClient } from 'viem';

/**
 * A viem public client for one RPC endpoint. No viem-level retries and no block-number cache:
 * retries belong to Temporal's activity policy, and a stale block number would misreport confirmations.
 */
export function createEvmClient(rpcUrl: string): PublicClient {
  return createPublicClient({
    transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }),
    cacheTime: 0,
    pollingInterval: 250,
  });
}
