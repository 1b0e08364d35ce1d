/**
 * Tron chain identity: the CAIP-2 reference `tron:0x<8 hex>` is the last 4 bytes of the genesis block id
 * (mainnet 0x2b6653dc, Nile 0xcd8690dc, Shasta 0x94a9059e), what `getblockbynum 0` returns as `blockID`.
 * Another reference (`tron:local`: the test peer's genesis is new every run) pins nothing.
 */
import { chainMismatch, verifiedOnce } from '../shared/chain-identity.js';
import type { NetworkConfig } from '../types.js';
import type { TronHttpClient } from './http.js';

export function pinnedGenesisSuffix(network: NetworkConfig): string | undefined {
  const ref = network.caip2.split(':')[1] ?? '';
  return /^0x[0-9a-f]{8}$/i.test(ref) ? ref.slice(2).toLowerCase() : undefined;
}

export function tronIdentityCheck(network: NetworkConfig): (client: TronHttpClient) => Promise<void> {
  const pinned = pinnedGenesisSuffix(network);
  return verifiedOnce(async (client) => {
    if (!pinned) return;
    const genesis = String((await client.getBlockByNum(0)).blockID ?? '').toLowerCase();
    if (!genesis.endsWith(pinned)) throw chainMismatch(network, 'genesis block', genesis || '(none)', `…${pinned}`);
  });
}
