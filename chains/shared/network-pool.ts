/**
 * The endpoint pool of one network, from its config: URLs (`rpcUrls`, env `RPC_URLS_<NAME>`), the head-lag
 * tolerance for status answers, and the breaker settings.
 */
import type { BaseError } from '../../errors/base.js';
import type { ChainFamily, NetworkConfig } from '../types.js';
import { EndpointPool } from './endpoints.js';

/**
 * How far (in the family's blocks) a node may trail the best known head and still answer a status check:
 * about 10–60 s of blocks, more than healthy nodes drift apart, less than any expiry window.
 */
export const DEFAULT_MAX_HEAD_LAG: Record<ChainFamily, number> = {
  evm: 5,
  solana: 30,
  tron: 5,
  stellar: 2,
  bitcoin: 1,
};

/** The network's endpoints; `rpcUrl` alone when it is not one of `rpcUrls` (an override over a loaded config). */
export function rpcUrlsOf(network: Pick<NetworkConfig, 'rpcUrl' | 'rpcUrls'>): string[] {
  const list = network.rpcUrls ?? [];
  return list.includes(network.rpcUrl) ? list : [network.rpcUrl];
}

export function maxHeadLagOf(network: Pick<NetworkConfig, 'family' | 'maxHeadLagBlocks'>): number {
  return network.maxHeadLagBlocks ?? DEFAULT_MAX_HEAD_LAG[network.family];
}

export function createNetworkPool<C>(
  network: NetworkConfig,
  classify: (err: unknown) => BaseError,
  client: (url: string) => C,
): EndpointPool<C> {
  return new EndpointPool(
    rpcUrlsOf(network).map((url) => ({ url, client: client(url) })),
    {
      network: network.name,
      classify,
      maxHeadLag: maxHeadLagOf(network),
      failureThreshold: network.rpcBreaker?.failureThreshold,
      cooldownMs: network.rpcBreaker?.cooldownMs,
    },
  );
}
