/**
 * Checks a transfer against chain state and estimates its fee in sun:
 * - bandwidth: free/staked net first, else bytes × getTransactionFee; a TRX transfer to a new account instead
 *   pays getCreateNewAccountFeeInSystemContract + getCreateAccountFee (java-tron BandwidthProcessor);
 * - TRC-20: energy from a dry run (triggerconstantcontract) × getEnergyFee, capped by fee_limit;
 * - a memo (raw_data.data) burns getMemoFee (TIP-387; 1 TRX on mainnet), whatever the contract.
 * Also fixes the reference block and expiration so build is deterministic.
 */
import { ErrorId } from '../../errors/codes.js';
import { capOf, feeCapIssue, maxFeeIssue } from '../fee-caps.js';
import type { NetworkConfig, PreflightIssue, PreflightResult, TransferIntent } from '../types.js';
import { tronAddressFromPublicKey, validateTronAddress } from './address.js';
import { makeRawData, type TronBuildContext } from './build.js';
import type { TronConstantResult, TronHttpClient } from './http.js';
import { bandwidthBytes, encodeRawData } from './protobuf.js';
import { balanceOfParameter, decodeUint, transferParameter } from './trc20.js';

export interface TronFeeParams {
  transactionFee: number;
  energyFee: number;
  createAccountFee: number;
  createNewAccountFeeInSystemContract: number;
  /** TIP-387: sun burnt by a transaction carrying a memo (0 where the proposal is not active). */
  memoFee: number;
}

export async function loadFeeParams(client: TronHttpClient): Promise<TronFeeParams> {
  const p = await client.getChainParameters();
  return {
    transactionFee: p.get('getTransactionFee') ?? 1000,
    energyFee: p.get('getEnergyFee') ?? 420,
    createAccountFee: p.get('getCreateAccountFee') ?? 100_000,
    createNewAccountFeeInSystemContract: p.get('getCreateNewAccountFeeInSystemContract') ?? 1_000_000,
    memoFee: p.get('getMemoFee') ?? 0,
  };
}

/** `feeCaps.feeLimitSun` (default 100 TRX): the fee_limit of contract calls and the ceiling of any transfer's fee. */
export function tronParams(network: NetworkConfig): { feeLimitSun: number; expirationMs: number } {
  const p = network.params ?? {};
  return {
    feeLimitSun: Number(capOf(network, 'feeLimitSun') ?? 100_000_000n),
    expirationMs: typeof p.expirationMs === 'number' ? p.expirationMs : 60_000,
  };
}

/** java-tron reports a failed constant call either as an error result or (REVERT) as a FAILED simulated tx. */
export function constantCallFailed(res: TronConstantResult): boolean {
  return (
    res.result?.result !== true ||
    Boolean(res.result.code) ||
    Boolean(res.result.message) ||
    res.transaction?.ret?.[0]?.ret === 'FAILED'
  );
}

export async function tronPreflight(
  client: TronHttpClient,
  network: NetworkConfig,
  fees: () => Promise<TronFeeParams>,
  intent: TransferIntent,
): Promise<PreflightResult> {
  const errors: PreflightIssue[] = [];
  const warnings: PreflightIssue[] = [];
  const isNative = intent.token.kind === 'native';
  const { feeLimitSun: networkFeeLimit, expirationMs } = tronParams(network);
  const maxFee = intent.maxFee === undefined ? undefined : BigInt(intent.maxFee);
  const amount = BigInt(intent.rawAmount);

  const fail = (id: string, message: string): PreflightResult => ({
    errors: [{ id, message }],
    warnings,
    fee: '0',
    totalSpent: isNative ? intent.rawAmount : '0',
    context: {},
  });
  if (!validateTronAddress(intent.to)) return fail(ErrorId.BadTo, 'recipient is not a valid Tron address');
  if (
    !validateTronAddress(intent.from.address) ||
    tronAddressFromPublicKey(intent.from.publicKey) !== intent.from.address
  ) {
    return fail('bad_from', 'sender address does not match its public key');
  }
  if (isNative && intent.to === intent.from.address) return fail(ErrorId.BadTo, 'cannot transfer TRX to yourself');
  if (isNative && amount > BigInt(Number.MAX_SAFE_INTEGER))
    return fail(ErrorId.BadAmount, 'amount too large for one TRX transfer');

  const [head, account, resource, params, recipient] = await Promise.all([
    client.getNowBlock(),
    client.getAccount(intent.from.address),
    client.getAccountResource(intent.from.address),
    fees(),
    isNative ? client.getAccount(intent.to) : Promise.resolve(null),
  ]);
  const refBlockNumber = head.block_header.raw_data.number ?? 0;
  const refBlockTimestamp = head.block_header.raw_data.timestamp ?? 0;
  const ctx: TronBuildContext = {
    kind: isNative ? 'native' : 'trc20',
    refBlockNumber,
    refBlockId: head.blockID,
    refBlockTimestamp,
    expiration: refBlockTimestamp + expirationMs,
    ...(isNative ? {} : { feeLimit: networkFeeLimit }),
  };

  const stakedNet = (resource.NetLimit ?? 0) - (resource.NetUsed ?? 0);
  const freeNet = (resource.freeNetLimit ?? 0) - (resource.freeNetUsed ?? 0);
  const recipientIsNew = isNative && !recipient?.address;
  const bandwidthFee = (bytes: number): bigint => {
    if (recipientIsNew)
      return (
        BigInt(params.createNewAccountFeeInSystemContract) + (stakedNet < bytes ? BigInt(params.createAccountFee) : 0n)
      );
    return stakedNet < bytes && freeNet < bytes ? BigInt(bytes * params.transactionFee) : 0n;
  };
  const memoFee = intent.memo ? BigInt(params.memoFee) : 0n;
  let bytes = bandwidthBytes(encodeRawData(makeRawData(intent, ctx)).length);
  if (!isNative && maxFee !== undefined) {
    // fee_limit bounds the TRX burnt for energy; with a request's maxFee, bandwidth + memo fee + fee_limit must stay within it.
    const room = maxFee - bandwidthFee(bytes) - memoFee;
    if (room < BigInt(networkFeeLimit)) {
      ctx.feeLimit = Number(room > 0n ? room : 0n);
      bytes = bandwidthBytes(encodeRawData(makeRawData(intent, ctx)).length);
    }
  }
  const feeLimitSun = ctx.feeLimit ?? networkFeeLimit;
  let fee = bandwidthFee(bytes) + memoFee;

  let energy = 0;
  if (!isNative && intent.token.kind === 'token') {
    const contract = intent.token.address;
    const [balanceRes, dryRun] = await Promise.all([
      client.triggerConstant(
        intent.from.address,
        contract,
        'balanceOf(address)',
        balanceOfParameter(intent.from.address),
      ),
      client.triggerConstant(
        intent.from.address,
        contract,
        'transfer(address,uint256)',
        transferParameter(intent.to, amount),
      ),
    ]);
    const tokenBalance = decodeUint(balanceRes.constant_result?.[0]);
    if (tokenBalance < amount) {
      errors.push({
        id: ErrorId.InsufficientFunds,
        message: `the token balance is below the amount ${amount}`,
      });
    } else if (constantCallFailed(dryRun)) {
      errors.push({ id: ErrorId.EstimateGasReverted, message: 'the token transfer would revert' });
    }
    energy = dryRun.energy_used ?? 0;
    const ownEnergy = Math.max(0, (resource.EnergyLimit ?? 0) - (resource.EnergyUsed ?? 0));
    const energyFee = BigInt(Math.max(0, energy - ownEnergy) * params.energyFee);
    if (energyFee > BigInt(feeLimitSun)) {
      errors.push(feeCapIssue(`estimated energy fee ${energyFee} sun exceeds fee_limit ${feeLimitSun} sun`));
    }
    fee += energyFee;
  }
  if (fee > BigInt(networkFeeLimit) && !errors.some((e) => e.id === ErrorId.FeeCapExceeded))
    errors.push(feeCapIssue(`estimated fee ${fee} sun is above the network cap ${networkFeeLimit} sun`));
  const overMax = maxFeeIssue(fee, intent.maxFee, 'sun');
  if (overMax && !errors.some((e) => e.id === ErrorId.FeeCapExceeded)) errors.push(overMax);

  const trxBalance = BigInt(account.balance ?? 0);
  const totalSpent = isNative ? amount + fee : fee;
  if (!account.address) {
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: 'sender account is not activated (it has never received TRX)',
    });
  } else if (trxBalance < totalSpent) {
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: isNative
        ? `the balance is below amount + fee ${totalSpent} sun`
        : `the TRX balance cannot pay the estimated fee ${fee} sun`,
    });
  } else if (!isNative && trxBalance < BigInt(feeLimitSun)) {
    warnings.push({
      id: 'fee_limit_above_balance',
      message: 'TRX balance is below fee_limit; a costlier call could run out of energy',
    });
  }

  return {
    errors,
    warnings,
    fee: fee.toString(),
    totalSpent: totalSpent.toString(),
    context: { ...ctx, bandwidthBytes: bytes, energy, recipientIsNew, memoFee: memoFee.toString() },
  };
}
