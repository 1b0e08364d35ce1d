import type { Hex, PublicClient } from 'viem';
import { BaseError, errorText } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import { maxFeeIssue } from '../fee-caps.js';
import type { NetworkConfig, PreflightIssue, PreflightResult, TransferIntent } from '../types.js';
import { transferCall } from './call.js';
import { erc20Abi } from './erc20.js';
import { classifyEvmError } from './errors.js';
import { checkOwnEvmFees, evmFeeLimits, priceEvmFees } from './fees.js';
import { budgetL1Fee, l1FeeSettings, maxFeeLeftForL2 } from './l1-fee.js';

/** What build() needs, carried as JSON through the workflow. */
export interface EvmPreflightContext {
  /** From the network config's caip2, never from the RPC (informational: build reads the config itself). */
  chainId: number;
  gas: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  /** OP-stack networks: the L1 data fee budgeted (wei, margin included), part of `fee`. */
  l1Fee?: string;
}

/** Gas estimates get a margin: state can change between estimate and inclusion. */
const GAS_MARGIN_PERCENT = 120n;

/** The chain id we sign for: `eip155:<id>` of the network config. */
export function pinnedChainId(network: NetworkConfig): number {
  const [ns, ref] = network.caip2.split(':');
  if (ns !== 'eip155' || !ref || !/^[1-9]\d*$/.test(ref)) throw new Error(`${network.caip2} is not an eip155 chain id`);
  return Number(ref);
}

/** Refuses (terminal, before anything is signed) when the RPC serves another chain than the config names. */
export async function assertRpcChain(client: PublicClient, network: NetworkConfig): Promise<number> {
  const pinned = pinnedChainId(network);
  const served = await client.getChainId();
  if (served !== pinned)
    throw new BaseError(`the RPC for ${network.name} serves chain ${served}, not ${pinned}; refusing to sign`, {
      id: ErrorId.RpcChainMismatch,
      kind: 'terminal',
    });
  return pinned;
}

/** Blocks and percentile of `eth_feeHistory` when the node's own tip suggestion is unavailable. */
const FEE_HISTORY_BLOCKS = 10;
const FEE_HISTORY_PERCENTILE = 60;

/**
 * The node's suggested tip: `eth_maxPriorityFeePerGas`, or when that call fails (a node without it, a rate-limited
 * method) the median over recent blocks of what paid the 60th percentile in `eth_feeHistory`, with a warning.
 * No constant guess: when both fail, the error is thrown (retryable for a 429 or an outage) and preflight retries.
 */
export async function suggestedTip(client: PublicClient): Promise<{ tip: bigint; warning?: PreflightIssue }> {
  try {
    return { tip: BigInt(await client.request({ method: 'eth_maxPriorityFeePerGas' })) };
  } catch (err) {
    const history = await client.getFeeHistory({
      blockCount: FEE_HISTORY_BLOCKS,
      blockTag: 'latest',
      rewardPercentiles: [FEE_HISTORY_PERCENTILE],
    });
    const rewards = (history.reward ?? []).map((r) => r[0] ?? 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const tip = rewards[Math.floor(rewards.length / 2)] ?? 0n;
    return {
      tip,
      warning: {
        id: 'tip_from_fee_history',
        message: `eth_maxPriorityFeePerGas failed (${errorText(err).slice(0, 120)}): tip ${tip} wei from eth_feeHistory, before the network floor`,
      },
    };
  }
}

/**
 * Balance, gas and fee checks. A user error (revert, insufficient funds, a fee above the caps) comes back in
 * `errors`; an RPC failure throws (the activity retries it); an RPC serving another chain throws rpc_chain_mismatch.
 */
export async function evmPreflight(
  client: PublicClient,
  network: NetworkConfig,
  intent: TransferIntent,
): Promise<PreflightResult> {
  const from = intent.from.address as Hex;
  const call = transferCall(intent);
  const errors: PreflightIssue[] = [];
  const request = intent.request?.kind === 'evm_call' ? intent.request : undefined;
  const own =
    request?.maxFeePerGas && request.maxPriorityFeePerGas
      ? { maxFeePerGas: BigInt(request.maxFeePerGas), maxPriorityFeePerGas: BigInt(request.maxPriorityFeePerGas) }
      : undefined;
  const [chainId, block, suggested, nativeBalance] = await Promise.all([
    assertRpcChain(client, network),
    client.getBlock({ blockTag: 'latest' }),
    own ? { tip: own.maxPriorityFeePerGas, warning: undefined } : suggestedTip(client),
    client.getBalance({ address: from }),
  ]);
  const tip = suggested.tip;
  const warnings: PreflightIssue[] = suggested.warning ? [suggested.warning] : [];
  const baseFee = block.baseFeePerGas ?? 0n;
  if (own && own.maxFeePerGas < baseFee)
    // It would wait in the mempool holding this address's nonce, and every later transfer behind it.
    errors.push({
      id: ErrorId.FeeTooLow,
      message: `maxFeePerGas ${own.maxFeePerGas} wei is below the current base fee ${baseFee} wei: the transaction would not be included`,
    });
  const amount = BigInt(intent.rawAmount);
  if (intent.token.kind === 'token') {
    const tokenBalance = await client.readContract({
      address: intent.token.address as Hex,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [from],
    });
    if (tokenBalance < amount) {
      errors.push({ id: ErrorId.InsufficientFunds, message: `the token balance is below the amount ${amount}` });
    }
  } else if (nativeBalance < amount) {
    errors.push({ id: ErrorId.InsufficientFunds, message: `the balance is below the amount ${amount} wei` });
  }

  let gas = 21_000n;
  if (errors.length === 0) {
    try {
      // The estimate also runs the call: a revert is reported before anything is signed, even with the caller's gas.
      const estimated = await client.estimateGas({ account: from, ...call });
      gas = request?.gas ? BigInt(request.gas) : call.data ? (estimated * GAS_MARGIN_PERCENT) / 100n : estimated;
      if (request?.gas && gas < estimated)
        errors.push({
          id: ErrorId.BadRequest,
          message: `gas ${gas} is below the estimate ${estimated}: the transaction would run out of gas`,
        });
    } catch (err) {
      const classified = classifyEvmError(err);
      if (classified.kind === 'retryable') throw classified;
      errors.push({ id: classified.id, message: classified.shortMessage });
    }
  }
  const l1 = l1FeeSettings(network);
  const l1Fee = l1 ? await budgetL1Fee(client, l1, chainId, from, call) : 0n;
  // A request's maxFee bounds the total: what the L1 fee leaves of it bounds the L2 gas price.
  const l2MaxFee = maxFeeLeftForL2(intent.maxFee, l1Fee);
  const limits = evmFeeLimits(network);
  let fees = own ?? { maxFeePerGas: baseFee * 2n + tip, maxPriorityFeePerGas: tip };
  if (own) errors.push(...checkOwnEvmFees(own, gas, limits, l2MaxFee));
  else {
    const priced = priceEvmFees({ baseFee, suggestedTip: tip, gas, limits, maxFee: l2MaxFee });
    if (priced.ok) fees = priced.fees;
    else errors.push(priced.issue);
  }
  const maxFeePerGas = fees.maxFeePerGas;
  // The most this transaction can cost: what a caller's maxFee bounds, and what the node checks the balance against
  // (plus, on OP-stack networks, the L1 data fee taken from the same balance).
  const fee = gas * maxFeePerGas + l1Fee;
  const totalSpent = fee + (intent.token.kind === 'native' ? amount : 0n);
  const overMax = maxFeeIssue(fee, intent.maxFee, 'wei');
  if (overMax && !errors.some((e) => e.id === ErrorId.FeeCapExceeded)) errors.push(overMax);
  if (errors.length === 0 && nativeBalance < totalSpent) {
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: `the balance is below amount plus max fee ${totalSpent} wei${l1Fee > 0n ? ` (L1 data fee ${l1Fee} wei included)` : ''}`,
    });
  }
  const context: EvmPreflightContext = {
    chainId,
    gas: gas.toString(),
    maxFeePerGas: maxFeePerGas.toString(),
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
    ...(l1 ? { l1Fee: l1Fee.toString() } : {}),
  };
  return { errors, warnings, fee: fee.toString(), totalSpent: totalSpent.toString(), context: { ...context } };
}
