/**
 * The fee rate of a BIP125 replacement (RBF, same inputs): at least the old rate + the node's incremental relay fee
 * (so the absolute fee rises by ≥ incremental × vsize for a transaction of the same size), at least a new target
 * rate when given, and never above the network cap or a request's `maxFee` (total sat over the replacement's vsize).
 * Rates in sat/kvB, as in fees.ts.
 */
import { lowestCeiling } from '../fee-caps.js';
import { MIN_RELAY_SAT_PER_KVB } from './fees.js';

export type BitcoinBump =
  | { ok: true; satPerKvB: bigint /** a cap held the rate below the target */; capped: boolean }
  | { ok: false; reason: 'at_cap'; message: string };

export function bumpBitcoinFeeRate(
  previousSatPerKvB: bigint,
  opts: {
    vsize: number;
    /** Network cap (feeCaps.maxFeeRateSatVb in sat/kvB). */
    capSatPerKvB?: bigint;
    /** Request's maxFee, total sat. */
    maxFee?: string;
    /** The node's incrementalrelayfee (getnetworkinfo), sat/kvB; Bitcoin Core's default is 1 sat/vB. */
    incrementalSatPerKvB?: bigint;
    /** Today's estimate, when it asks for more than the minimum bump. */
    targetSatPerKvB?: bigint;
  },
): BitcoinBump {
  const minimum = previousSatPerKvB + (opts.incrementalSatPerKvB ?? MIN_RELAY_SAT_PER_KVB);
  const wanted = opts.targetSatPerKvB !== undefined && opts.targetSatPerKvB > minimum ? opts.targetSatPerKvB : minimum;
  const byMaxFee = opts.maxFee === undefined ? undefined : (BigInt(opts.maxFee) * 1000n) / BigInt(opts.vsize);
  const ceiling = lowestCeiling(opts.capSatPerKvB, byMaxFee);
  const rate = ceiling !== undefined && ceiling < wanted ? ceiling : wanted;
  if (rate < minimum)
    return {
      ok: false,
      reason: 'at_cap',
      message: `a replacement needs ≥ ${minimum} sat/kvB; the caps allow ${rate} sat/kvB`,
    };
  return { ok: true, satPerKvB: rate, capped: rate < wanted };
}
