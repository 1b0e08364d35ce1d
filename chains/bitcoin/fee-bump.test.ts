import { describe, expect, it } from 'vitest';
import { bumpBitcoinFeeRate } from './fee-bump.js';
import { feeFor } from './fees.js';

describe('Bitcoin RBF fee rate', () => {
  it('old rate + incremental relay fee (1 sat/vB by default)', () => {
    expect(bumpBitcoinFeeRate(5_000n, { vsize: 141 })).toEqual({ ok: true, satPerKvB: 6_000n, capped: false });
    expect(bumpBitcoinFeeRate(5_000n, { vsize: 141, incrementalSatPerKvB: 2_500n })).toMatchObject({
      satPerKvB: 7_500n,
    });
  });

  it('follows a higher estimate', () => {
    expect(bumpBitcoinFeeRate(5_000n, { vsize: 141, targetSatPerKvB: 20_000n })).toEqual({
      ok: true,
      satPerKvB: 20_000n,
      capped: false,
    });
  });

  it('the absolute fee rises by at least incremental × vsize (BIP125 rule 4)', () => {
    const vsize = 141;
    const r = bumpBitcoinFeeRate(3_300n, { vsize });
    expect(r.ok && feeFor(vsize, r.satPerKvB) - feeFor(vsize, 3_300n)).toBeGreaterThanOrEqual(141n);
  });

  it('stops at the network cap and at the request maxFee', () => {
    expect(bumpBitcoinFeeRate(5_000n, { vsize: 141, targetSatPerKvB: 90_000n, capSatPerKvB: 50_000n })).toEqual({
      ok: true,
      satPerKvB: 50_000n,
      capped: true,
    });
    // maxFee 2000 sat over 200 vB → 10 sat/vB
    expect(bumpBitcoinFeeRate(5_000n, { vsize: 200, targetSatPerKvB: 30_000n, maxFee: '2000' })).toEqual({
      ok: true,
      satPerKvB: 10_000n,
      capped: true,
    });
  });

  it('refuses when the cap is below the minimum bump', () => {
    expect(bumpBitcoinFeeRate(50_000n, { vsize: 141, capSatPerKvB: 50_500n })).toMatchObject({
      ok: false,
      reason: 'at_cap',
    });
    expect(bumpBitcoinFeeRate(10_000n, { vsize: 100, maxFee: '1050' })).toMatchObject({ ok: false });
  });
});
