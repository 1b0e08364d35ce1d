/**
 * Fee rate and transaction size estimates.
 *
 * Rates are carried as integer sat per 1000 vB (Bitcoin Core's own unit, "sat/kvB") so fractional
 * sat/vB rates survive JSON without floating point drift; fee = ceil(vsize × rate / 1000).
 */
import type { NetworkConfig } from '../types.js';
import type { FeeRate } from './backend.js';
import { type BitcoinRpc, BitcoinRpcError } from './rpc.js';

/** Bitcoin Core's default minimum relay fee: 1 sat/vB. */
export const MIN_RELAY_SAT_PER_KVB = 1000n;

/** P2WPKH input: 41 base bytes (outpoint 36, empty scriptSig 1, sequence 4) + witness (count, ≤72-byte sig, 33-byte key). */
const P2WPKH_INPUT_BASE = 41;
const P2WPKH_INPUT_WITNESS = 1 + 1 + 72 + 1 + 33;

/** vsize of a segwit transaction spending `inputs` P2WPKH inputs into outputs of the given serialized sizes. */
export function estimateVsize(inputs: number, outputSizes: number[]): number {
  const varint = (n: number) => (n < 0xfd ? 1 : 3);
  const base =
    4 +
    4 +
    varint(inputs) +
    varint(outputSizes.length) +
    inputs * P2WPKH_INPUT_BASE +
    outputSizes.reduce((a, b) => a + b, 0);
  const witness = inputs > 0 ? 2 + inputs * P2WPKH_INPUT_WITNESS : 0;
  return Math.ceil((base * 4 + witness) / 4);
}

/** Fee in satoshis for `vsize` at `satPerKvB`, rounded up. */
export function feeFor(vsize: number, satPerKvB: bigint): bigint {
  return (BigInt(vsize) * satPerKvB + 999n) / 1000n;
}

/** Extra fee one more P2WPKH input costs (68 vB). */
export const P2WPKH_INPUT_VBYTES = Math.ceil((P2WPKH_INPUT_BASE * 4 + P2WPKH_INPUT_WITNESS) / 4);

export function satVbToKvB(satVb: number): bigint {
  return BigInt(Math.ceil(satVb * 1000));
}

/** `params.feeRateSatVb`, a fixed rate that overrides every estimate (never below 1 sat/vB). */
export function configuredFeeRate(network: NetworkConfig): FeeRate | undefined {
  const v = network.params?.feeRateSatVb;
  if (typeof v !== 'number' || v <= 0) return undefined;
  return { satPerKvB: maxBig(satVbToKvB(v), MIN_RELAY_SAT_PER_KVB), source: 'config' };
}

/** `params.fallbackFeeRateSatVb`, used when the node or server has no estimate (regtest, fresh nodes). */
export function fallbackFeeRate(network: NetworkConfig): FeeRate | undefined {
  const v = network.params?.fallbackFeeRateSatVb;
  if (typeof v !== 'number' || v <= 0) return undefined;
  return { satPerKvB: maxBig(satVbToKvB(v), MIN_RELAY_SAT_PER_KVB), source: 'fallback' };
}

/**
 * The fee rate to use now from a Core node, in sat/kvB:
 * 1. `params.feeRateSatVb` (fixed override), else
 * 2. `estimatesmartfee(params.feeConfTarget ?? 6)`, else
 * 3. `params.fallbackFeeRateSatVb` when the node has no estimate (regtest, fresh nodes), else an error.
 * Never below the node's relay minimum (1 sat/vB).
 */
export async function currentFeeRate(rpc: BitcoinRpc, network: NetworkConfig): Promise<FeeRate> {
  const fixed = configuredFeeRate(network);
  if (fixed) return fixed;
  const p = network.params ?? {};
  const target = typeof p.feeConfTarget === 'number' ? p.feeConfTarget : 6;
  const est = await rpc.call<{ feerate?: number; errors?: string[] }>('estimatesmartfee', [target]);
  if (typeof est.feerate === 'number' && est.feerate > 0) {
    // BTC/kvB → sat/kvB
    const satPerKvB = BigInt(Math.ceil(est.feerate * 1e8));
    return { satPerKvB: maxBig(satPerKvB, MIN_RELAY_SAT_PER_KVB), source: 'estimatesmartfee' };
  }
  const fallback = fallbackFeeRate(network);
  if (fallback) return fallback;
  throw new BitcoinRpcError(
    'estimatesmartfee',
    -1,
    `no fee estimate available: ${(est.errors ?? []).join('; ') || 'unknown'}`,
  );
}

/** `getnetworkinfo.incrementalfee` (BTC/kvB) in sat/kvB; forks differ from Bitcoin Core's 1 sat/vB. */
export async function incrementalRelayFee(rpc: BitcoinRpc): Promise<bigint> {
  const info = await rpc.call<{ incrementalfee?: number }>('getnetworkinfo');
  return typeof info.incrementalfee === 'number' && info.incrementalfee > 0
    ? maxBig(BigInt(Math.ceil(info.incrementalfee * 1e8)), MIN_RELAY_SAT_PER_KVB)
    : MIN_RELAY_SAT_PER_KVB;
}

export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
