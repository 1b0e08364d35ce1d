import { describe, expect, it } from 'vitest';
import { bumpSolanaPriority, priorityLamports } from './fees.js';

describe('Solana priority bump', () => {
  it('+25 %, at least +1, or the target', () => {
    expect(bumpSolanaPriority(1000n, { computeUnitLimit: 2000 })).toEqual({
      ok: true,
      microLamports: 1250n,
      capped: false,
    });
    expect(bumpSolanaPriority(0n, { computeUnitLimit: 2000 })).toMatchObject({ ok: true, microLamports: 1n });
    expect(bumpSolanaPriority(1000n, { computeUnitLimit: 2000, targetMicroLamports: 9000n })).toMatchObject({
      microLamports: 9000n,
    });
  });

  it('stops at the network cap and at what maxFee leaves after the signature fee', () => {
    expect(
      bumpSolanaPriority(1000n, { computeUnitLimit: 2000, targetMicroLamports: 9000n, capMicroLamports: 4000n }),
    ).toEqual({ ok: true, microLamports: 4000n, capped: true });
    // maxFee 5010 lamports − 5000 signature fee = 10 lamports over 2000 CU → 5000 micro-lamports per CU
    const r = bumpSolanaPriority(1000n, {
      computeUnitLimit: 2000,
      targetMicroLamports: 9000n,
      maxFee: '5010',
      fixedLamports: 5000n,
    });
    expect(r).toEqual({ ok: true, microLamports: 5000n, capped: true });
    expect(5000n + priorityLamports(5000n, 2000)).toBeLessThanOrEqual(5010n);
  });

  it('refuses when the caps leave no raise', () => {
    expect(bumpSolanaPriority(4000n, { computeUnitLimit: 2000, capMicroLamports: 4000n })).toMatchObject({
      ok: false,
      reason: 'at_cap',
    });
    expect(bumpSolanaPriority(1000n, { computeUnitLimit: 2000, maxFee: '5000', fixedLamports: 5000n })).toMatchObject({
      ok: false,
    });
  });
});
