/**
 * EIP-1559 fee pricing under the network's caps and a request's `maxFee`, and the fee bump of a replacement.
 * Pure: preflight feeds it the base fee and the node's suggested tip; the lead's replacement path calls `bumpEvmFees`.
 */
import { capOf, feeCapIssue, lowestCeiling } from '../fee-caps.js';
import type { NetworkConfig, PreflightIssue } from '../types.js';

export interface EvmFees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface EvmFeeLimits {
  /** Network cap of maxFeePerGas (wei). */
  maxFeePerGas?: bigint;
  /** Network cap of maxPriorityFeePerGas (wei). */
  maxPriorityFeePerGas?: bigint;
  /** The network's floor for the tip (Polygon's Bor refuses tips below 25 gwei). */
  minPriorityFeePerGas: bigint;
}

export function evmFeeLimits(network: NetworkConfig): EvmFeeLimits {
  const min = network.params?.minPriorityFeePerGasWei;
  return {
    maxFeePerGas: capOf(network, 'maxFeePerGasWei'),
    maxPriorityFeePerGas: capOf(network, 'maxPriorityFeePerGasWei'),
    minPriorityFeePerGas: typeof min === 'string' || typeof min === 'number' ? BigInt(min) : 0n,
  };
}

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The per-gas ceiling: the network cap and, with a request's `maxFee` (total, wei), maxFee / gas. */
export function perGasCeiling(limits: EvmFeeLimits, gas: bigint, maxFee?: string): bigint | undefined {
  return lowestCeiling(limits.maxFeePerGas, maxFee === undefined ? undefined : BigInt(maxFee) / gas);
}

export type EvmPricing = { ok: true; fees: EvmFees } | { ok: false; issue: PreflightIssue };

/**
 * Our own pricing: tip = the node's suggestion raised to the network floor and lowered to the tip cap; maxFee =
 * 2 × base fee + tip (includable through six full blocks of base-fee growth), lowered to the ceiling. Refused
 * (`fee_cap_exceeded`) when the ceiling is below what inclusion needs now: base fee + tip.
 */
export function priceEvmFees(input: {
  baseFee: bigint;
  suggestedTip: bigint;
  gas: bigint;
  limits: EvmFeeLimits;
  maxFee?: string;
}): EvmPricing {
  const { baseFee, gas, limits } = input;
  const floorTip = maxBig(input.suggestedTip, limits.minPriorityFeePerGas);
  const tip = lowestCeiling(floorTip, limits.maxPriorityFeePerGas)!;
  if (tip < limits.minPriorityFeePerGas)
    return {
      ok: false,
      issue: feeCapIssue(
        `the tip cap ${limits.maxPriorityFeePerGas} wei is below the network's minimum tip ${limits.minPriorityFeePerGas} wei`,
      ),
    };
  const ceiling = perGasCeiling(limits, gas, input.maxFee);
  const needed = baseFee + tip;
  if (ceiling !== undefined && ceiling < needed)
    return { ok: false, issue: ceilingIssue(needed, gas, ceiling, limits, input.maxFee) };
  const wanted = baseFee * 2n + tip;
  const maxFeePerGas = ceiling !== undefined && ceiling < wanted ? ceiling : wanted;
  return { ok: true, fees: { maxFeePerGas, maxPriorityFeePerGas: tip } };
}

/** A caller's own fee caps (`evm_call` requests): used as given, refused when above a ceiling. */
export function checkOwnEvmFees(own: EvmFees, gas: bigint, limits: EvmFeeLimits, maxFee?: string): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  if (limits.maxPriorityFeePerGas !== undefined && own.maxPriorityFeePerGas > limits.maxPriorityFeePerGas)
    issues.push(
      feeCapIssue(
        `maxPriorityFeePerGas ${own.maxPriorityFeePerGas} wei is above the network cap ${limits.maxPriorityFeePerGas} wei`,
      ),
    );
  const ceiling = perGasCeiling(limits, gas, maxFee);
  if (ceiling !== undefined && own.maxFeePerGas > ceiling)
    issues.push(ceilingIssue(own.maxFeePerGas, gas, ceiling, limits, maxFee));
  return issues;
}

function ceilingIssue(
  perGas: bigint,
  gas: bigint,
  ceiling: bigint,
  limits: EvmFeeLimits,
  maxFee?: string,
): PreflightIssue {
  const byRequest =
    maxFee !== undefined && (limits.maxFeePerGas === undefined || BigInt(maxFee) / gas < limits.maxFeePerGas);
  return feeCapIssue(
    byRequest
      ? `the fee needed, ${perGas * gas} wei (${gas} gas × ${perGas} wei), is above this request's maxFee ${maxFee} wei`
      : `the fee needed, ${perGas} wei per gas, is above the network cap ${ceiling} wei per gas`,
  );
}

/** Nodes take a same-nonce replacement only when both fees rise by at least this much (geth 10 %, others 12.5 %). */
export const EVM_BUMP_NUMERATOR = 1125n;
export const EVM_BUMP_DENOMINATOR = 1000n;

export type EvmBump =
  | { ok: true; fees: EvmFees /** a cap held a fee below what it would otherwise be */; capped: boolean }
  | { ok: false; reason: 'at_cap'; message: string };

const bumped = (v: bigint) => (v * EVM_BUMP_NUMERATOR + EVM_BUMP_DENOMINATOR - 1n) / EVM_BUMP_DENOMINATOR;

/**
 * Fees for a same-nonce replacement of `previous`: both fees +12.5 % (rounded up), the maxFee also at least
 * 2 × the current base fee + the new tip when `baseFee` is given; then lowered to the caps (network caps, and
 * `maxFee` / `gas` for a request's total). When a cap leaves either fee below the +12.5 % a node requires, no
 * replacement is possible within the caps: `{ ok: false, reason: 'at_cap' }`.
 */
export function bumpEvmFees(
  previous: EvmFees,
  opts: { limits: EvmFeeLimits; gas: bigint; maxFee?: string; baseFee?: bigint },
): EvmBump {
  const minTip = bumped(previous.maxPriorityFeePerGas);
  const minMax = bumped(previous.maxFeePerGas);
  const tipCap = opts.limits.maxPriorityFeePerGas;
  const tip = tipCap !== undefined && tipCap < minTip ? tipCap : minTip;
  const wanted = maxBig(minMax, opts.baseFee === undefined ? 0n : opts.baseFee * 2n + tip);
  const ceiling = perGasCeiling(opts.limits, opts.gas, opts.maxFee);
  const maxFeePerGas = ceiling !== undefined && ceiling < wanted ? ceiling : wanted;
  if (tip < minTip || maxFeePerGas < minMax || maxFeePerGas < tip)
    return {
      ok: false,
      reason: 'at_cap',
      message: `a replacement needs maxFeePerGas ≥ ${minMax} and maxPriorityFeePerGas ≥ ${minTip} wei; the caps allow ${maxFeePerGas} and ${tip}`,
    };
  return { ok: true, fees: { maxFeePerGas, maxPriorityFeePerGas: tip }, capped: maxFeePerGas < wanted };
}
