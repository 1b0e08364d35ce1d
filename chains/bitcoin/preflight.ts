/**
 * Preflight for a native BTC transfer from a P2WPKH wallet: validates the recipient and amount,
 * reads the fee rate and the sender's spendable outputs, and estimates the fee of the selection.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Network } from 'bitcoinjs-lib';
import { isBaseError } from '../../errors/base.js';
import { badRequest, ErrorId } from '../../errors/codes.js';
import { formatAmount } from '../amount.js';
import { feeCapIssue, maxFeeIssue, satVbCapInKvB } from '../fee-caps.js';
import type { NetworkConfig, PreflightIssue, PreflightResult, TransferIntent } from '../types.js';
import {
  dustThreshold,
  hash160,
  outputScriptFor,
  outputSize,
  p2wpkhScript,
  parseCompressedPublicKey,
} from './address.js';
import type { BitcoinBackend } from './backend.js';
import { estimateVsize, feeFor, MIN_RELAY_SAT_PER_KVB } from './fees.js';
import { type SpendRequest, selectCoins, sumValues } from './utxo.js';

/** What build and selectUtxos read back from `preflight.context`. */
export interface BitcoinPreflightContext {
  feeRateSatPerKvB: string;
  feeRateSatVb: number;
  feeRateSource: string;
  balance: string;
  estimatedInputs: number;
  [key: string]: unknown;
}

/** Sender script and key from the intent; throws (bad request) when the key does not match the address. */
export function senderScript(intent: TransferIntent, net: Network): { publicKey: Uint8Array; script: Uint8Array } {
  const publicKey = parseCompressedPublicKey(intent.from.publicKey);
  const script = p2wpkhScript(hash160(publicKey));
  const fromScript = outputScriptFor(intent.from.address, net);
  if (bytesToHex(fromScript) !== bytesToHex(script)) {
    throw new Error('from.address is not the P2WPKH address of from.publicKey');
  }
  return { publicKey, script };
}

/** The spend described by an intent; throws bad_to / bad_from as terminal BaseErrors. */
export function spendRequest(intent: TransferIntent, net: Network, satPerKvB: bigint): SpendRequest {
  let toScript: Uint8Array;
  try {
    toScript = outputScriptFor(intent.to, net);
  } catch (err) {
    throw badRequest(`invalid recipient address: ${(err as Error).message}`, ErrorId.BadTo);
  }
  let changeScript: Uint8Array;
  try {
    changeScript = senderScript(intent, net).script;
  } catch (err) {
    throw badRequest((err as Error).message, 'bad_from');
  }
  return { amount: BigInt(intent.rawAmount), toScript, changeScript, satPerKvB };
}

export async function runPreflight(
  backend: Pick<BitcoinBackend, 'feeRate' | 'listUtxos'>,
  network: NetworkConfig,
  net: Network,
  intent: TransferIntent,
): Promise<PreflightResult> {
  const errors: PreflightIssue[] = [];
  const warnings: PreflightIssue[] = [];
  const amount = BigInt(intent.rawAmount);
  const none = (): PreflightResult => ({ errors, warnings, fee: '0', totalSpent: amount.toString(), context: {} });

  if (intent.token.kind !== 'native') {
    errors.push({ id: ErrorId.TokenUnsupported, message: 'bitcoin transfers support the native coin only' });
  }
  let toScript: Uint8Array | undefined;
  try {
    toScript = outputScriptFor(intent.to, net);
  } catch (err) {
    errors.push({ id: ErrorId.BadTo, message: `invalid ${network.name} address: ${(err as Error).message}` });
  }
  let changeScript: Uint8Array | undefined;
  try {
    changeScript = senderScript(intent, net).script;
  } catch (err) {
    errors.push({ id: 'bad_from', message: (err as Error).message });
  }
  if (toScript && amount < dustThreshold(toScript)) {
    errors.push({
      id: ErrorId.BadAmount,
      message: `amount ${amount} sat is below the dust limit of ${dustThreshold(toScript)} sat for this address type`,
    });
  }
  if (intent.memo) warnings.push({ id: 'memo_ignored', message: 'bitcoin transfers carry no memo; it was ignored' });
  if (intent.nonce !== undefined)
    warnings.push({ id: 'nonce_ignored', message: 'bitcoin has no nonce; it was ignored' });
  if (errors.length > 0 || !toScript || !changeScript) return none();

  const estimated = await backend.feeRate();
  const capped = capFeeRate(estimated.satPerKvB, network);
  if (!capped.ok) {
    errors.push(capped.issue);
    return none();
  }
  const rate = { satPerKvB: capped.satPerKvB, source: estimated.source };
  if (capped.satPerKvB < estimated.satPerKvB)
    warnings.push({
      id: 'fee_rate_capped',
      message: `fee rate ${formatRate(estimated.satPerKvB)} sat/vB (${estimated.source}) lowered to the network cap ${formatRate(capped.satPerKvB)} sat/vB: confirmation may take longer`,
    });
  const utxos = await backend.listUtxos(intent.from.address);
  const balance = sumValues(utxos);
  const context: BitcoinPreflightContext = {
    feeRateSatPerKvB: rate.satPerKvB.toString(),
    feeRateSatVb: Number(rate.satPerKvB) / 1000,
    feeRateSource: rate.source,
    balance: balance.toString(),
    estimatedInputs: 0,
  };
  const req: SpendRequest = { amount, toScript, changeScript, satPerKvB: rate.satPerKvB };
  let fee: bigint;
  try {
    const plan = selectCoins(utxos, req);
    fee = plan.fee;
    context.estimatedInputs = plan.inputs.length;
  } catch (err) {
    if (!isBaseError(err)) throw err;
    fee = feeFor(estimateVsize(1, [outputSize(toScript), outputSize(changeScript)]), rate.satPerKvB);
    errors.push({
      id: err.id,
      message:
        err.id === ErrorId.InsufficientFunds
          ? `insufficient funds: needed at least ${amount + fee} sat spendable (amount + fee)`
          : err.shortMessage,
    });
  }
  const overMax = maxFeeIssue(fee, intent.maxFee, 'sat');
  if (overMax) errors.push(overMax);
  return { errors, warnings, fee: fee.toString(), totalSpent: (amount + fee).toString(), context };
}

/** The fee rate lowered to the network cap; refused when the cap is below the relay minimum (nothing would relay). */
export function capFeeRate(
  satPerKvB: bigint,
  network: NetworkConfig,
): { ok: true; satPerKvB: bigint } | { ok: false; issue: PreflightIssue } {
  const cap = satVbCapInKvB(network);
  if (cap === undefined || satPerKvB <= cap) return { ok: true, satPerKvB };
  if (cap < MIN_RELAY_SAT_PER_KVB)
    return {
      ok: false,
      issue: feeCapIssue(
        `the fee rate cap ${formatRate(cap)} sat/vB is below the relay minimum ${formatRate(MIN_RELAY_SAT_PER_KVB)} sat/vB`,
      ),
    };
  return { ok: true, satPerKvB: cap };
}

const formatRate = (satPerKvB: bigint): string => formatAmount(satPerKvB, 3);
