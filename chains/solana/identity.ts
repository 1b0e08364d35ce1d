/**
 * Solana chain identity: a CAIP-2 `solana:<ref>` reference is the first 32 characters of the cluster's genesis
 * hash, which `getGenesisHash` returns. A reference that is not such a prefix (`solana:local`: the test peer's
 * genesis is new every run) pins nothing.
 */
import { chainMismatch, verifiedOnce } from '../shared/chain-identity.js';
import type { NetworkConfig } from '../types.js';
import type { SolanaRpc } from './rpc.js';

const GENESIS_PREFIX = /^[1-9A-HJ-NP-Za-km-z]{32}$/;

export function pinnedGenesisPrefix(network: NetworkConfig): string | undefined {
  const ref = network.caip2.split(':')[1] ?? '';
  return GENESIS_PREFIX.test(ref) ? ref : undefined;
}

export function solanaIdentityCheck(network: NetworkConfig): (rpc: SolanaRpc) => Promise<void> {
  const pinned = pinnedGenesisPrefix(network);
  return verifiedOnce(async (rpc) => {
    if (!pinned) return;
    const genesis = await rpc.call<string>('getGenesisHash', []);
    if (!genesis.startsWith(pinned)) throw chainMismatch(network, 'genesis hash', genesis, `${pinned}…`);
  });
}
