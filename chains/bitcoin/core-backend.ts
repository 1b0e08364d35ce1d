/**
 * The Bitcoin backend over Bitcoin Core nodes' JSON-RPC (regtest; needs -txindex). UTXOs come from
 * `scantxoutset`, bounded by `params.scanTimeoutMs` (default 20 s, below the activity timeout), or with
 * `params.coinListing: "watch-wallet"` from a watch-only wallet on the node (watch-wallet.ts: no scan at all).
 * Several endpoints (chains/shared/endpoints.ts): reads rotate, broadcasts go to all, status only from a node
 * at the best known height.
 */
import type { EndpointPool } from '../shared/endpoints.js';
import type { NetworkConfig } from '../types.js';
import type { BitcoinBackend } from './backend.js';
import { broadcastRaw } from './broadcast.js';
import { currentFeeRate, incrementalRelayFee } from './fees.js';
import { createBitcoinRpc, type BitcoinRpc as Rpc } from './rpc.js';
import { getTxStatus } from './status.js';
import { listUtxos, SCAN_TIMEOUT_MS } from './utxo.js';
import { listWatchedUtxos } from './watch-wallet.js';

export function createCoreBackend(network: NetworkConfig, rpcs: EndpointPool<Rpc>): BitcoinBackend {
  const params = network.params ?? {};
  const scanTimeoutMs = typeof params.scanTimeoutMs === 'number' ? params.scanTimeoutMs : SCAN_TIMEOUT_MS;
  const watchWallet =
    params.coinListing === 'watch-wallet'
      ? typeof params.watchWallet === 'string'
        ? params.watchWallet
        : 'chainflow-watch'
      : undefined;
  const walletRpcs = new Map<string, Rpc>();
  const walletRpcOf = (url: string, name: string): Rpc => {
    let rpc = walletRpcs.get(url);
    if (!rpc) {
      rpc = createBitcoinRpc(`${url.replace(/\/+$/, '')}/wallet/${encodeURIComponent(name)}`);
      walletRpcs.set(url, rpc);
    }
    return rpc;
  };
  return {
    kind: 'core',
    listUtxos: (address) =>
      rpcs.read((rpc, ep) =>
        watchWallet
          ? listWatchedUtxos(rpc, walletRpcOf(ep.url, watchWallet), watchWallet, address)
          : listUtxos(rpc, address, scanTimeoutMs),
      ),
    feeRate: () => rpcs.read((rpc) => currentFeeRate(rpc, network)),
    incrementalRelayFee: () => rpcs.read((rpc) => incrementalRelayFee(rpc)),
    broadcast: (signed) => rpcs.broadcastAll((rpc) => broadcastRaw(rpc, signed)),
    status: (txid, context) =>
      rpcs.fresh(
        (rpc) => rpc.call<number>('getblockcount'),
        (rpc) => getTxStatus(rpc, network, txid, context),
      ),
  };
}
