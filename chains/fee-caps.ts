/**
 * Per-network fee ceilings (`feeCaps` in chains/networks/*.json), their env overrides, and the per-request `maxFee`.
 *
 * Env: `FEE_CAP_<NETWORK>_<FIELD>`, network upper-cased with non-alphanumerics as `_`, field in upper snake case,
 * e.g. `FEE_CAP_ETHEREUM_MAX_FEE_PER_GAS_WEI=150000000000`, `FEE_CAP_BITCOIN_MAX_FEE_RATE_SAT_VB=200`.
 */
import { BaseError } from '../errors/base.js';
import { badRequest, ErrorId } from '../errors/codes.js';
import { parseAmount } from './amount.js';
import type { FeeCaps, NetworkConfig, PreflightIssue } from './types.js';

export const FEE_CAP_FIELDS = [
  'maxFeePerGasWei',
  'maxPriorityFeePerGasWei',
  'maxFeeRateSatVb',
  'maxPriorityMicroLamports',
  'feeLimitSun',
  'maxFeePerOpStroops',
] as const satisfies readonly (keyof FeeCaps)[];

const INTEGER = /^(0|[1-9]\d*)$/;
/** sat/vB may be fractional (Bitcoin Core counts in sat/kvB). */
const SAT_VB = /^(0|[1-9]\d*)(\.\d{1,3})?$/;

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

export function feeCapEnvKey(network: string, field: keyof FeeCaps): string {
  return `FEE_CAP_${network.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${snake(field)}`;
}

/** The network's caps with env overrides applied. A malformed value (file or env) stops the process at load. */
export function resolveFeeCaps(network: Pick<NetworkConfig, 'name' | 'feeCaps'>, env: NodeJS.ProcessEnv): FeeCaps {
  const caps: FeeCaps = { ...network.feeCaps };
  for (const field of FEE_CAP_FIELDS) {
    const key = feeCapEnvKey(network.name, field);
    const value = env[key] ?? caps[field];
    if (value === undefined) continue;
    const ok = (field === 'maxFeeRateSatVb' ? SAT_VB : INTEGER).test(String(value));
    if (!ok) throw new Error(`fee cap ${network.name}.${field} (${key}) must be a non-negative number, got ${value}`);
    caps[field] = String(value);
  }
  return caps;
}

/** A cap as bigint, or undefined when the network has none. */
export function capOf(network: NetworkConfig, field: Exclude<keyof FeeCaps, 'maxFeeRateSatVb'>): bigint | undefined {
  const v = network.feeCaps?.[field];
  return v === undefined ? undefined : BigInt(v);
}

/** Bitcoin's rate cap in sat/kvB (the unit chains/bitcoin/fees.ts counts in). */
export function satVbCapInKvB(network: NetworkConfig): bigint | undefined {
  const v = network.feeCaps?.maxFeeRateSatVb;
  if (v === undefined) return undefined;
  const [whole = '0', frac = ''] = v.split('.');
  return BigInt(whole) * 1000n + BigInt(frac.padEnd(3, '0'));
}

/**
 * A request's `maxFee` (decimal string in the native unit, e.g. "0.002" ETH) → base units, exactly.
 * Bad input → 400 `bad_max_fee`.
 */
export function parseMaxFee(maxFee: string, nativeDecimals: number): bigint {
  try {
    return parseAmount(maxFee, nativeDecimals);
  } catch (err) {
    if (err instanceof BaseError) throw badRequest(err.shortMessage.replace(/^amount/, 'maxFee'), ErrorId.BadMaxFee);
    throw err;
  }
}

/** The smallest of the ceilings that are set; undefined when none is (no ceiling). */
export function lowestCeiling(...values: (bigint | undefined)[]): bigint | undefined {
  return values.reduce<bigint | undefined>(
    (a, b) => (b === undefined ? a : a === undefined || b < a ? b : a),
    undefined,
  );
}

export function feeCapIssue(message: string): PreflightIssue {
  return { id: ErrorId.FeeCapExceeded, message };
}

/** The `maxFee` check every family runs on its estimated total fee (native base units). */
export function maxFeeIssue(fee: bigint, maxFee: string | undefined, unit: string): PreflightIssue | undefined {
  if (maxFee === undefined || fee <= BigInt(maxFee)) return undefined;
  return feeCapIssue(`estimated fee ${fee} ${unit} is above this request's maxFee ${maxFee} ${unit}`);
}
