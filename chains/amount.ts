import { badRequest, ErrorId } from '../errors/codes.js';

const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;
/** 2^256 - 1: nothing on any supported chain holds more. */
const MAX_RAW = (1n << 256n) - 1n;

/**
 * "1.5" with 6 decimals → 1500000n. Rejects negatives, exponents, hex, empty strings,
 * more fractional digits than the token has, zero (unless `allowZero`: a contract call without value), and values
 * over 2^256-1.
 */
export function parseAmount(amount: string, decimals: number, opts: { allowZero?: boolean } = {}): bigint {
  if (typeof amount !== 'string' || !DECIMAL.test(amount.trim())) {
    throw badRequest(
      `amount must be a positive decimal string like "0.1", got ${JSON.stringify(amount)}`,
      ErrorId.BadAmount,
    );
  }
  const [whole = '0', frac = ''] = amount.trim().split('.');
  const trimmedFrac = frac.replace(/0+$/, '');
  if (trimmedFrac.length > decimals) {
    throw badRequest(`amount has ${trimmedFrac.length} decimal places; this token has ${decimals}`, ErrorId.BadAmount);
  }
  const raw = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(trimmedFrac.padEnd(decimals, '0') || '0');
  if (raw === 0n && !opts.allowZero) throw badRequest('amount must be greater than zero', ErrorId.BadAmount);
  if (raw > MAX_RAW) throw badRequest('amount is too large', ErrorId.BadAmount);
  return raw;
}

/** 1500000n with 6 decimals → "1.5". */
export function formatAmount(raw: bigint, decimals: number): string {
  const neg = raw < 0n;
  const abs = neg ? -raw : raw;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const frac = (abs % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
