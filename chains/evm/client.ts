import { createPublicClient, fallback, http, type PublicClient, type Transport } from 'viem';
import { CircuitOpenError, type EndpointPool, type PoolEndpoint } from '../shared/endpoints.js';
import { createNetworkPool } from '../shared/network-pool.js';
import type { NetworkConfig } from '../types.js';
import { classifyEvmError } from './errors.js';

const TIMEOUT_MS = 10_000;

/**
 * A viem public client for one RPC endpoint. No viem-level retries and no block-number cache:
 * retries belong to Temporal's activity policy, and a stale block number would misreport confirmations.
 */
export function createEvmClient(rpcUrl: string): PublicClient {
  return createPublicClient({
    transport: http(rpcUrl, { retryCount: 0, timeout: TIMEOUT_MS }),
    cacheTime: 0,
    pollingInterval: 250,
  });
}

/**
 * Reads over a list of endpoints for short-lived callers (Portal signing): viem's `fallback`, rotating on what the
 * EVM classifier calls retryable, without the ranking loop (it would outlive the caller).
 */
export function createEvmFallbackClient(urls: string[]): PublicClient {
  if (urls.length === 1) return createEvmClient(urls[0]!);
  return createPublicClient({
    transport: fallback(
      urls.map((url) => http(url, { retryCount: 0, timeout: TIMEOUT_MS })),
      { retryCount: 0, shouldThrow: (err) => classifyEvmError(err).kind !== 'retryable' },
    ),
    cacheTime: 0,
    pollingInterval: 250,
  });
}

export interface EvmEndpoints {
  /** Reads: viem's `fallback` transport over every endpoint (ranked when there are several), breaker-guarded. */
  reads: PublicClient;
  /** One client per endpoint, for broadcasts to all and head-checked status reads. */
  pool: EndpointPool<PublicClient>;
}

/**
 * An endpoint's HTTP transport that keeps the shared pool's books: an open breaker refuses at once (retryable,
 * so `fallback` moves on; when every breaker is open the one opened longest ago still answers), every answer or failure counts toward the endpoint's health, and each
 * `eth_blockNumber` answer updates its head.
 */
function guarded(pool: EndpointPool<PublicClient>, ep: PoolEndpoint<PublicClient>): Transport {
  const inner = http(ep.url, { retryCount: 0, timeout: TIMEOUT_MS });
  return (params) => {
    const transport = inner(params);
    const request = (async (args: { method: string; params?: unknown }, options?: unknown) => {
      if (!pool.usable(ep)) throw new CircuitOpenError(ep.label);
      try {
        const out = await transport.request(args as never, options as never);
        pool.recordSuccess(ep);
        if (args.method === 'eth_blockNumber' && typeof out === 'string') pool.noteHead(ep, BigInt(out));
        return out;
      } catch (err) {
        pool.recordError(ep, err);
        throw err;
      }
    }) as typeof transport.request;
    return { ...transport, request };
  };
}

/**
 * Every endpoint of an EVM network. Reads rotate through viem's `fallback` (a definitive node answer — revert,
 * nonce too low — is thrown, not retried elsewhere: `shouldThrow` asks the EVM classifier); with several endpoints
 * viem ranks them by latency and stability, pinging `eth_blockNumber` once a block (at least every 4 s).
 */
export function createEvmEndpoints(network: NetworkConfig): EvmEndpoints {
  const pool = createNetworkPool(network, classifyEvmError, createEvmClient);
  const transports = pool.endpoints.map((ep) => guarded(pool, ep));
  const transport =
    transports.length === 1
      ? transports[0]!
      : fallback(transports, {
          retryCount: 0,
          rank: {
            interval: Math.max(network.blockTimeMs, 4_000),
            ping: ({ transport: t }) => t.request({ method: 'eth_blockNumber' }),
          },
          shouldThrow: (err) => classifyEvmError(err).kind !== 'retryable',
        });
  const reads = createPublicClient({ transport, cacheTime: 0, pollingInterval: 250 });
  return { reads, pool };
}
