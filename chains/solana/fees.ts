/**
 * The priority price of a rebuilt Solana transfer (new blockhash, allowed only once the old one is proven dead):
 * +25 % (at least +1 micro-lamport per CU), at least a target price when given, and never above the network cap
 * (`feeCaps.maxPriorityMicroLamports`) or what a request's `maxFee` leaves after the signature fee and rent.
 * Solana has no replace-by-fee rule; a higher price only raises the chance of landing under congestion.
 */
import { lowestCeiling } from '../fee-caps.js';

export type SolanaBump =
  | { ok: true; microLamports: bigint /** a cap held the price below the target */; capped: boolean }
  | { ok: false; reason: 'at_cap'; message: string };

const MICRO = 1_000_000n;

export function bumpSolanaPriority(
  previousMicroLamports: bigint,
  opts: {
    computeUnitLimit: number;
    capMicroLamports?: bigint;
    /** Request's maxFee, lamports, and the fee parts that do not depend on the price (signatures, rent). */
    maxFee?: string;
    fixedLamports?: bigint;
    targetMicroLamports?: bigint;
  },
): SolanaBump {
  const raised = (previousMicroLamports * 125n + 99n) / 100n;
  const minimum = raised > previousMicroLamports ? raised : previousMicroLamports + 1n;
  const wanted =
    opts.targetMicroLamports !== undefined && opts.targetMicroLamports > minimum ? opts.targetMicroLamports : minimum;
  const units = BigInt(opts.computeUnitLimit);
  const byMaxFee =
    opts.maxFee === undefined ? undefined : ((BigInt(opts.maxFee) - (opts.fixedLamports ?? 0n)) * MICRO) / units;
  const ceiling = lowestCeiling(opts.capMicroLamports, byMaxFee);
  const price = ceiling !== undefined && ceiling < wanted ? ceiling : wanted;
  if (price <= previousMicroLamports)
    return {
      ok: false,
      reason: 'at_cap',
      message: `the caps allow ${price} micro-lamports per CU, no more than the previous ${previousMicroLamports}`,
    };
  return { ok: true, microLamports: price, capped: price < wanted };
}

/** Lamports a priority price costs on `computeUnitLimit` units (what the runtime charges: price × limit, rounded up). */
export function priorityLamports(microLamports: bigint, computeUnitLimit: number): bigint {
  return (microLamports * BigInt(computeUnitLimit) + MICRO - 1n) / MICRO;
}
