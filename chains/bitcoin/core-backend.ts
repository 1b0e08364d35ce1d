/**
 * The Bitcoin backend over a Bitcoin Core node's JSON-RPC (regtest; needs -txindex). UTXOs come from
 * `scantxoutset`, bounded by `params.scanTimeoutMs` (default 20 s, below the activity timeout).
 */
import type { NetworkConfig } from '../types.js';
import type { BitcoinBackend } from './backend.js';
import { broadcastRaw } from './broadcast.js';
import { currentFeeRate } from './fees.js';
import type { BitcoinRpc } from './rpc.js';
import { getTxStatus } from './status.js';
import { listUtxos, SCAN_TIMEOUT_MS } from './utxo.js';

export function createCoreBackend(network: NetworkConfig, rpc: BitcoinRpc): BitcoinBackend {
  const scanTimeoutMs =
    typeof network.params?.scanTimeoutMs === 'number' ? network.params.scanTimeoutMs : SCAN_TIMEOUT_MS;
  return {
    kind: 'core',
    listUtxos: (address) => listUtxos(rpc, address, scanTimeoutMs),
    feeRate: () => currentFeeRate(rpc, network),
    broadcast: (signed) => broadcastRaw(rpc, signed),
    status: (txid, context) => getTxStatus(rpc, network, txid, context),
  };
}
