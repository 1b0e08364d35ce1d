/**
 * Picks the adapter for a network by family. Adding a chain family = one folder under chains/
 * plus one line here; the workflow never changes.
 */
import { createBitcoinAdapter } from './bitcoin/index.js';
import { createEvmAdapter } from './evm/index.js';
import { loadNetworks, NetworkDirectory } from './networks.js';
import { createSolanaAdapter } from './solana/index.js';
import { createStellarAdapter } from './stellar/index.js';
import { createTronAdapter } from './tron/index.js';
import type { ChainAdapter, ChainFamily, NetworkConfig } from './types.js';

type AdapterFactory = (network: NetworkConfig) => ChainAdapter;

const factories: Partial<Record<ChainFamily, AdapterFactory>> = {
  evm: createEvmAdapter,
  bitcoin: createBitcoinAdapter,
  solana: createSolanaAdapter,
  stellar: createStellarAdapter,
  tron: createTronAdapter,
};

export class ChainRegistry {
  private readonly adapters = new Map<string, ChainAdapter>();
  readonly networks: NetworkDirectory;

  constructor(networks: NetworkConfig[] = loadNetworks()) {
    this.networks = new NetworkDirectory(networks.filter((n) => factories[n.family]));
  }

  /** Resolves a request's chain name (name, alias or CAIP-2) to its adapter. Throws `chain_unsupported`. */
  get(chain: string): ChainAdapter {
    const network = this.networks.resolve(chain);
    let adapter = this.adapters.get(network.name);
    if (!adapter) {
      const factory = factories[network.family];
      if (!factory) throw new Error(`no adapter for family ${network.family}`);
      adapter = factory(network);
      this.adapters.set(network.name, adapter);
    }
    return adapter;
  }
}
