import { describe, expect, it } from 'vitest';
import { bumpEvmFees, type EvmFeeLimits, priceEvmFees } from './fees.js';

const gwei = 1_000_000_000n;
const ethereum: EvmFeeLimits = {
  maxFeePerGas: 300n * gwei,
  maxPriorityFeePerGas: 20n * gwei,
  minPriorityFeePerGas: 0n,
};
const polygon: EvmFeeLimits = {
  maxFeePerGas: 5000n * gwei,
  maxPriorityFeePerGas: 500n * gwei,
  minPriorityFeePerGas: 25n * gwei,
};

describe('EVM fee pricing under caps', () => {
  it('2 × base + tip when below the caps', () => {
    const r = priceEvmFees({ baseFee: 10n * gwei, suggestedTip: 2n * gwei, gas: 21_000n, limits: ethereum });
    expect(r).toEqual({ ok: true, fees: { maxFeePerGas: 22n * gwei, maxPriorityFeePerGas: 2n * gwei } });
  });

  it('clamps the headroom to the cap while base + tip still fits', () => {
    const r = priceEvmFees({ baseFee: 200n * gwei, suggestedTip: 2n * gwei, gas: 21_000n, limits: ethereum });
    expect(r).toEqual({ ok: true, fees: { maxFeePerGas: 300n * gwei, maxPriorityFeePerGas: 2n * gwei } });
  });

  it('refuses with fee_cap_exceeded when base + tip is above the cap', () => {
    const r = priceEvmFees({ baseFee: 299n * gwei, suggestedTip: 2n * gwei, gas: 21_000n, limits: ethereum });
    expect(r).toMatchObject({ ok: false, issue: { id: 'fee_cap_exceeded' } });
  });

  it('lowers a spiking suggested tip to the tip cap', () => {
    const r = priceEvmFees({ baseFee: gwei, suggestedTip: 90n * gwei, gas: 21_000n, limits: ethereum });
    expect(r).toEqual({ ok: true, fees: { maxFeePerGas: 22n * gwei, maxPriorityFeePerGas: 20n * gwei } });
  });

  it('Polygon: a node suggesting 1 gwei is raised to the 25 gwei minimum tip', () => {
    const r = priceEvmFees({ baseFee: 30n * gwei, suggestedTip: gwei, gas: 21_000n, limits: polygon });
    expect(r).toEqual({ ok: true, fees: { maxFeePerGas: 85n * gwei, maxPriorityFeePerGas: 25n * gwei } });
  });

  it('a tip cap below the network minimum is refused rather than signing an unincludable tip', () => {
    const r = priceEvmFees({
      baseFee: gwei,
      suggestedTip: gwei,
      gas: 21_000n,
      limits: { ...polygon, maxPriorityFeePerGas: 10n * gwei },
    });
    expect(r).toMatchObject({ ok: false, issue: { id: 'fee_cap_exceeded' } });
  });

  it("a request's maxFee (total wei) caps the fee per gas at maxFee / gas", () => {
    const gas = 21_000n;
    const holds = priceEvmFees({
      baseFee: 10n * gwei,
      suggestedTip: gwei,
      gas,
      limits: ethereum,
      maxFee: `${gas * 15n * gwei}`,
    });
    expect(holds).toEqual({ ok: true, fees: { maxFeePerGas: 15n * gwei, maxPriorityFeePerGas: gwei } });
    const refused = priceEvmFees({
      baseFee: 10n * gwei,
      suggestedTip: gwei,
      gas,
      limits: ethereum,
      maxFee: `${gas * 10n * gwei}`,
    });
    expect(refused).toMatchObject({
      ok: false,
      issue: { id: 'fee_cap_exceeded', message: expect.stringContaining('maxFee') },
    });
  });
});

describe('EVM fee bump (same-nonce replacement)', () => {
  const prev = { maxFeePerGas: 40n * gwei, maxPriorityFeePerGas: 2n * gwei };

  it('raises both fees by at least 12.5 %, rounded up', () => {
    const r = bumpEvmFees(prev, { limits: ethereum, gas: 21_000n });
    expect(r).toEqual({
      ok: true,
      capped: false,
      fees: { maxFeePerGas: 45n * gwei, maxPriorityFeePerGas: 2_250_000_000n },
    });
    const odd = bumpEvmFees(
      { maxFeePerGas: 9n, maxPriorityFeePerGas: 1n },
      { limits: { minPriorityFeePerGas: 0n }, gas: 1n },
    );
    expect(odd).toMatchObject({ ok: true, fees: { maxFeePerGas: 11n, maxPriorityFeePerGas: 2n } });
  });

  it('follows a risen base fee: maxFee ≥ 2 × base + new tip', () => {
    const r = bumpEvmFees(prev, { limits: ethereum, gas: 21_000n, baseFee: 100n * gwei });
    expect(r).toMatchObject({
      ok: true,
      fees: { maxFeePerGas: 202_250_000_000n, maxPriorityFeePerGas: 2_250_000_000n },
    });
  });

  it('stops at the network cap', () => {
    const r = bumpEvmFees(prev, { limits: ethereum, gas: 21_000n, baseFee: 200n * gwei });
    expect(r).toEqual({
      ok: true,
      capped: true,
      fees: { maxFeePerGas: 300n * gwei, maxPriorityFeePerGas: 2_250_000_000n },
    });
  });

  it("stops at the request's maxFee", () => {
    const r = bumpEvmFees(prev, {
      limits: ethereum,
      gas: 21_000n,
      baseFee: 100n * gwei,
      maxFee: `${21_000n * 50n * gwei}`,
    });
    expect(r).toEqual({
      ok: true,
      capped: true,
      fees: { maxFeePerGas: 50n * gwei, maxPriorityFeePerGas: 2_250_000_000n },
    });
  });

  it('refuses when the cap leaves less than the +12.5 % a node requires', () => {
    expect(
      bumpEvmFees({ maxFeePerGas: 280n * gwei, maxPriorityFeePerGas: gwei }, { limits: ethereum, gas: 21_000n }),
    ).toMatchObject({
      ok: false,
      reason: 'at_cap',
    });
    expect(
      bumpEvmFees({ maxFeePerGas: 40n * gwei, maxPriorityFeePerGas: 19n * gwei }, { limits: ethereum, gas: 21_000n }),
    ).toMatchObject({
      ok: false,
      reason: 'at_cap',
    });
  });
});
