/**
 * The Bitcoin backend over Bitcoin Core nodes' JSON-RPC (regtest; needs -txindex). UTXOs come from
 * `scantxoutset`, bounded by `params.scanTimeoutMs` (default 20 s, below the activity timeout).
 * Several endpoints (chains/shared/endpoints.ts): reads rotate, broadcasts go to all, status only from a node
 * at the best known height.
 */
import type { EndpointPool } from '../shared/endpoints.js';
import type { NetworkConfig } from '../types.js';
import type { BitcoinBackend } from './backend.js';
import { broadcastRaw } from './broadcast.js';
import { currentFeeRate, incrementalRelayFee } from './fees.js';
import type { BitcoinRpc } from './rpc.js';
import { getTxStatus } from './status.js';
import { listUtxos, SCAN_TIMEOUT_MS } from './utxo.js';

export function createCoreBackend(network: NetworkConfig, rpcs: EndpointPool<BitcoinRpc>): BitcoinBackend {
  const scanTimeoutMs =
    typeof network.params?.scanTimeoutMs === 'number' ? network.params.scanTimeoutMs : SCAN_TIMEOUT_MS;
  return {
    kind: 'core',
    listUtxos: (address) => rpcs.read((rpc) => listUtxos(rpc, address, scanTimeoutMs)),
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
