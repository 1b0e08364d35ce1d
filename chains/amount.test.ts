import { describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from './amount.js';

describe('parseAmount', () => {
  it.each([
    ['1', 18, 10n ** 18n],
    ['0.1', 6, 100_000n],
    ['2.5', 6, 2_500_000n],
    ['0.000001', 6, 1n],
    ['1.50', 1, 15n], // trailing zeros beyond the token's decimals are fine
    ['123456789.123456789012345678', 18, 123456789123456789012345678n],
  ])('%s with %i decimals → %s', (input, decimals, expected) => {
    expect(parseAmount(input, decimals)).toBe(expected);
  });

  it.each([
    ['0.0000001', 6, 'decimal places'],
    ['-1', 18, 'positive decimal'],
    ['1e18', 18, 'positive decimal'],
    ['0x10', 18, 'positive decimal'],
    ['', 18, 'positive decimal'],
    ['1.', 18, 'positive decimal'],
    ['.5', 18, 'positive decimal'],
    ['01', 18, 'positive decimal'],
    ['0', 18, 'greater than zero'],
    ['0.000', 6, 'greater than zero'],
    [`1${'0'.repeat(80)}`, 0, 'too large'],
  ])('rejects %j (%i decimals) with bad_amount', (input, decimals, message) => {
    expect(() => parseAmount(input, decimals)).toThrow(
      expect.objectContaining({ id: 'bad_amount', shortMessage: expect.stringContaining(message) }),
    );
  });

  it('accepts zero only when asked (a contract call without value), still rejecting bad formats', () => {
    expect(parseAmount('0', 18, { allowZero: true })).toBe(0n);
    expect(() => parseAmount('-0', 18, { allowZero: true })).toThrow(expect.objectContaining({ id: 'bad_amount' }));
  });

  it('round-trips with formatAmount', () => {
    for (const [s, d] of [
      ['0.25', 18],
      ['1', 6],
      ['1000000.000001', 6],
    ] as const) {
      expect(formatAmount(parseAmount(s, d), d)).toBe(s);
    }
  });
});
