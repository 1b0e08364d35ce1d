/**
 * Checks a transfer against Horizon state: source funds above the reserve, destination existence
 * (create_account for new accounts when sending ≥ the minimum balance in XLM), trustlines, memo rules.
 * User problems go to `errors`; Horizon failures throw (classified by the caller).
 */

import { ErrorId } from '../../errors/codes.js';
import { formatAmount } from '../amount.js';
import { capOf, feeCapIssue, lowestCeiling } from '../fee-caps.js';
import type { NetworkConfig, PreflightIssue, PreflightResult, TransferIntent } from '../types.js';
import { baseAccountOf, isMuxedAddress, isStellarDestination } from './address.js';
import { parseAssetId } from './assets.js';
import { StellarErrorId } from './errors.js';
import type { HorizonAccount, HorizonBalance, HorizonClient } from './horizon.js';
import { isMemoId } from './memo.js';

/** How long a built transaction stays valid (its maxTime), counted from preflight. */
export const VALIDITY_SECONDS = 300;
export const MAX_MEMO_BYTES = 28;
/** Stellar amounts are int64 stroops. */
const INT64_MAX = (1n << 63n) - 1n;
/** data entry by which an account asks senders for a memo (SEP-29); value "1" base64-encoded. */
const MEMO_REQUIRED_KEY = 'config.memo_required';
const MEMO_REQUIRED_VALUE = 'MQ==';

/** What build() needs, stored in PreflightResult.context (JSON). */
export interface StellarPreflightContext {
  /** Fee per operation bid, stroops. */
  feePerOp: string;
  baseReserve: string;
  /** Unix seconds; the transaction's upper time bound. */
  maxTime: number;
  /** Destination does not exist: send create_account instead of payment. */
  createAccount: boolean;
  latestLedger: number;
}

function stroops(amount: string): bigint {
  const [whole = '0', frac = ''] = amount.split('.');
  const neg = whole.startsWith('-');
  const abs = BigInt(whole.replace('-', '')) * 10_000_000n + BigInt(frac.padEnd(7, '0').slice(0, 7) || '0');
  return neg ? -abs : abs;
}

function nativeBalance(acc: HorizonAccount): HorizonBalance | undefined {
  return acc.balances.find((b) => b.asset_type === 'native');
}

function trustline(acc: HorizonAccount, code: string, issuer: string): HorizonBalance | undefined {
  return acc.balances.find((b) => b.asset_code === code && b.asset_issuer === issuer);
}

/** Reserve the account must keep: (2 + subentries + sponsoring − sponsored) × base reserve. */
export function minimumBalance(acc: HorizonAccount, baseReserve: bigint): bigint {
  const entries = 2n + BigInt(acc.subentry_count) + BigInt(acc.num_sponsoring ?? 0) - BigInt(acc.num_sponsored ?? 0);
  return entries * baseReserve;
}

export async function stellarPreflight(
  horizon: HorizonClient,
  network: NetworkConfig,
  intent: TransferIntent,
  now: () => number = Date.now,
): Promise<PreflightResult> {
  const errors: PreflightIssue[] = [];
  const warnings: PreflightIssue[] = [];
  const amount = BigInt(intent.rawAmount);
  const native = intent.token.kind === 'native';
  const asset = intent.token.kind === 'token' ? parseAssetId(intent.token.address) : null;
  const toValid = isStellarDestination(intent.to);
  const muxed = toValid && isMuxedAddress(intent.to);
  // The account a payment credits: a muxed M… destination credits its base G… account.
  const toAccount = toValid ? baseAccountOf(intent.to) : intent.to;
  const fmt = (v: bigint) => formatAmount(v, 7);

  if (amount > INT64_MAX) {
    errors.push({ id: ErrorId.BadAmount, message: `amount exceeds Stellar's int64 limit (${fmt(INT64_MAX)})` });
  }
  if (!toValid)
    errors.push({ id: ErrorId.BadTo, message: `${intent.to} is not a Stellar account id (G…) or muxed address (M…)` });
  else if (toAccount === intent.from.address)
    errors.push({ id: ErrorId.ToIsSender, message: `${intent.to} is the sending account itself (muxed)` });
  if (intent.token.kind === 'token' && !asset) {
    errors.push({ id: ErrorId.TokenUnsupported, message: `${intent.token.address} is not CODE:ISSUER` });
  }
  if (intent.memoType === 'id') {
    if (intent.memo === undefined || !isMemoId(intent.memo))
      errors.push({
        id: StellarErrorId.BadMemoId,
        message: `a MEMO_ID is an unsigned 64-bit integer in decimal, not ${JSON.stringify(intent.memo ?? null)}`,
      });
  } else if (intent.memo !== undefined && Buffer.byteLength(intent.memo, 'utf8') > MAX_MEMO_BYTES) {
    errors.push({ id: StellarErrorId.MemoTooLong, message: `memo is longer than ${MAX_MEMO_BYTES} bytes` });
  }

  const [source, latest, feeStats, dest] = await Promise.all([
    horizon.account(intent.from.address),
    horizon.latestLedger(),
    horizon.feeStats(),
    toValid ? horizon.account(toAccount) : Promise.resolve(null),
  ]);

  // Bid the larger of the ledger's base fee and what 90% of recent transactions paid (surge pricing).
  const baseFee = BigInt(latest.base_fee_in_stroops);
  const bid = [baseFee, BigInt(feeStats.last_ledger_base_fee || '0'), BigInt(feeStats.fee_charged.p90 ?? '0')].reduce(
    (a, b) => (b > a ? b : a),
  );
  // The bid is a maximum (a ledger charges what surge pricing needs), so it is lowered to the caps; the network's
  // base fee is the least that can ever be included.
  const ceiling = lowestCeiling(
    capOf(network, 'maxFeePerOpStroops'),
    intent.maxFee === undefined ? undefined : BigInt(intent.maxFee),
  );
  if (ceiling !== undefined && ceiling < baseFee)
    errors.push(
      feeCapIssue(
        `the network's base fee ${baseFee} stroops is above the fee ceiling ${ceiling} stroops (cap or maxFee)`,
      ),
    );
  const feePerOp = ceiling !== undefined && ceiling < bid && ceiling >= baseFee ? ceiling : bid;
  const fee = feePerOp; // one operation
  const baseReserve = BigInt(latest.base_reserve_in_stroops);
  const minCreate = 2n * baseReserve;
  let createAccount = false;

  if (!source) {
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: `source account ${intent.from.address} does not exist; fund it with at least ${fmt(minCreate)} XLM`,
    });
  } else {
    const nat = nativeBalance(source);
    const available =
      stroops(nat?.balance ?? '0') - minimumBalance(source, baseReserve) - stroops(nat?.selling_liabilities ?? '0');
    const needNative = fee + (native ? amount : 0n);
    if (available < needNative) {
      errors.push({
        id: ErrorId.InsufficientFunds,
        message: `needs ${fmt(needNative)} XLM above the ${fmt(minimumBalance(source, baseReserve))} XLM reserve`,
      });
    }
    if (asset && intent.from.address !== asset.issuer) {
      const line = trustline(source, asset.code, asset.issuer);
      const have = line ? stroops(line.balance) - stroops(line.selling_liabilities ?? '0') : 0n;
      if (!line) {
        errors.push({ id: ErrorId.InsufficientFunds, message: `source has no trustline for ${asset.code}` });
      } else if (have < amount) {
        errors.push({
          id: ErrorId.InsufficientFunds,
          message: `needs ${fmt(amount)} ${asset.code} available`,
        });
      }
    }
  }

  if (toValid && !dest) {
    if (native && amount >= minCreate && !muxed) {
      createAccount = true;
      warnings.push({ id: 'destination_created', message: `destination does not exist; create_account will open it` });
    } else {
      errors.push({
        id: StellarErrorId.DestinationMissing,
        message: muxed
          ? `the base account ${toAccount} of the muxed destination does not exist (create_account cannot carry a muxed id)`
          : native
            ? `destination does not exist; sending at least ${fmt(minCreate)} XLM creates it`
            : 'destination does not exist',
      });
    }
  } else if (dest) {
    if (asset && toAccount !== asset.issuer) {
      const line = trustline(dest, asset.code, asset.issuer);
      if (!line || line.is_authorized === false) {
        errors.push({
          id: StellarErrorId.DestinationNoTrustline,
          message: `destination ${line ? 'is not authorized for' : 'has no trustline for'} ${asset.code}`,
        });
      } else if (line.limit !== undefined && stroops(line.limit) - stroops(line.balance) < amount) {
        errors.push({
          id: StellarErrorId.DestinationLineFull,
          message: `destination trustline limit would be exceeded`,
        });
      }
    }
    // SEP-29: a muxed destination carries its id, which is what the memo would have said.
    if (dest.data_attr?.[MEMO_REQUIRED_KEY] === MEMO_REQUIRED_VALUE && !intent.memo && !muxed) {
      errors.push({ id: StellarErrorId.MemoRequired, message: 'destination requires a memo (SEP-29)' });
    }
  }

  const context: StellarPreflightContext = {
    feePerOp: feePerOp.toString(),
    baseReserve: baseReserve.toString(),
    maxTime: Math.floor(now() / 1000) + VALIDITY_SECONDS,
    createAccount,
    latestLedger: latest.sequence,
  };
  return {
    errors,
    warnings,
    fee: fee.toString(),
    totalSpent: (native ? amount + fee : fee).toString(),
    context: { ...context },
  };
}
