/**
 * Where the Bitcoin adapter reads chain data and sends transactions: a Bitcoin Core node over JSON-RPC
 * (regtest, `core-backend.ts`) or an Esplora HTTP server (Blockstream's and mempool.space's API,
 * `esplora-backend.ts`). Both answer the same five questions; everything they throw goes through the one
 * Bitcoin classifier (`errors.ts`).
 *
 * Choice per network: `params.backend` (`"esplora"` | `"core"`), env `BITCOIN_BACKEND_<NETWORK>` overrides it;
 * the Esplora base URL is `esploraUrl` (env `ESPLORA_URL_<NETWORK>`). Default: Esplora when the network has an
 * `esploraUrl`, Core otherwise. Core lists UTXOs with `scantxoutset` (a full UTXO-set scan, minutes on
 * mainnet), so it is refused for networks that are not `dev`.
 */
import type { BroadcastResult, ChainStatus, NetworkConfig, SignedTx, StatusContext, Utxo } from '../types.js';

export type BackendKind = 'core' | 'esplora';

export interface FeeRate {
  /** sat per 1000 vB. */
  satPerKvB: bigint;
  /** `config`, `estimatesmartfee`, `fee-estimates`, `fallback`. */
  source: string;
}

export interface BitcoinBackend {
  readonly kind: BackendKind;
  /** Confirmed, mature outputs of `address` not spent by a mempool transaction, sorted by outpoint. */
  listUtxos(address: string): Promise<Utxo[]>;
  /** The fee rate to pay now (config override, node/server estimate, or the network's fallback). */
  feeRate(): Promise<FeeRate>;
  /** The relay's incremental fee (sat/kvB): what a BIP125 replacement must add per vbyte. */
  incrementalRelayFee(): Promise<bigint>;
  /** Idempotent broadcast: a transaction the backend already knows is success (`alreadyKnown`). */
  broadcast(signed: SignedTx): Promise<BroadcastResult>;
  /** One status check; `expired` when an input of the transaction is spent on chain by another one. */
  status(txid: string, context: StatusContext): Promise<ChainStatus>;
}

/** Which backend a network uses (see the file comment); throws for a configuration that cannot work. */
export function backendKindOf(network: NetworkConfig): BackendKind {
  const configured = network.params?.backend;
  if (configured !== undefined && configured !== 'core' && configured !== 'esplora') {
    throw new Error(`network ${network.name}: params.backend must be "core" or "esplora"`);
  }
  const kind: BackendKind = configured ?? (network.esploraUrl ? 'esplora' : 'core');
  if (kind === 'esplora' && !network.esploraUrl) {
    throw new Error(`network ${network.name}: the esplora backend needs esploraUrl (env ESPLORA_URL_<NETWORK>)`);
  }
  if (kind === 'core' && !network.dev) {
    throw new Error(
      `network ${network.name}: the core backend lists UTXOs with scantxoutset, which takes minutes on a public chain; use esplora`,
    );
  }
  return kind;
}
