/**
 * Compute budget of a transfer, for landing under congestion: the compute-unit price from what recent slots'
 * transactions writing the same accounts paid (`getRecentPrioritizationFees`, a configurable percentile, never
 * below `params.priorityMicroLamports`, never above the network cap), and the compute-unit limit from simulating
 * the exact message (the runtime charges price × limit, so a tight limit keeps the priority fee small).
 */
import type { PublicKey } from '@solana/web3.js';
import { capOf } from '../fee-caps.js';
import type { NetworkConfig } from '../types.js';
import { COMMITMENT, type SolanaRpc } from './rpc.js';

/** Default percentile of recent prioritization fees to bid (`params.priorityFeePercentile`). */
const DEFAULT_PERCENTILE = 75;
/** Headroom over the simulated units: state can change between simulation and execution. */
const UNIT_MARGIN_PERCENT = 115;
/** The runtime's ceiling per transaction. */
export const MAX_COMPUTE_UNITS = 1_400_000;

export interface PriorityPrice {
  microLamports: number;
  /** What the market percentile asked for, when the network cap held the price below it. */
  cappedFrom?: number;
}

function percentileOf(values: number[], percentile: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((percentile / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** The configured floor (`params.priorityMicroLamports`) and percentile. */
export function priorityConfigOf(network: NetworkConfig): { floor: number; percentile: number } {
  const p = network.params ?? {};
  const floor = typeof p.priorityMicroLamports === 'number' ? p.priorityMicroLamports : 0;
  const percentile =
    typeof p.priorityFeePercentile === 'number' && p.priorityFeePercentile >= 0 && p.priorityFeePercentile <= 100
      ? p.priorityFeePercentile
      : DEFAULT_PERCENTILE;
  return { floor, percentile };
}

export async function priorityPrice(
  rpc: SolanaRpc,
  network: NetworkConfig,
  writable: PublicKey[],
): Promise<PriorityPrice> {
  const { floor, percentile } = priorityConfigOf(network);
  const recent = await rpc.call<{ slot: number; prioritizationFee: number }[]>('getRecentPrioritizationFees', [
    writable.map((k) => k.toBase58()),
  ]);
  const market = percentileOf(
    recent.map((r) => r.prioritizationFee),
    percentile,
  );
  const wanted = Math.max(floor, market);
  const cap = capOf(network, 'maxPriorityMicroLamports');
  if (cap !== undefined && BigInt(wanted) > cap) return { microLamports: Number(cap), cappedFrom: wanted };
  return { microLamports: wanted };
}

/**
 * The compute units the message uses, plus a margin; undefined when the simulation fails (the caller keeps its
 * static estimate, and the broadcast's own preflight reports the real error).
 */
export async function simulatedUnitLimit(rpc: SolanaRpc, unsignedTxBase64: string): Promise<number | undefined> {
  const sim = await rpc.call<{ value: { err: unknown; unitsConsumed?: number } }>('simulateTransaction', [
    unsignedTxBase64,
    { encoding: 'base64', sigVerify: false, replaceRecentBlockhash: false, commitment: COMMITMENT },
  ]);
  const units = sim.value.unitsConsumed;
  if (sim.value.err || !units) return undefined;
  return Math.min(MAX_COMPUTE_UNITS, Math.ceil((units * UNIT_MARGIN_PERCENT) / 100));
}
