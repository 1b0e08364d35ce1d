import type { Hex, PublicClient } from 'viem';
import { ErrorId } from '../../errors/codes.js';
import type { PreflightIssue, PreflightResult, TransferIntent } from '../types.js';
import { transferCall } from './build.js';
import { erc20Abi } from './erc20.js';
import { classifyEvmError } from './errors.js';

/** What build() needs, carried as JSON through the workflow. */
export interface EvmPreflightContext {
  chainId: number;
  gas: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

/** Gas estimates get a margin: state can change between estimate and inclusion. */
const GAS_MARGIN_PERCENT = 120n;

/** maxFee = 2 × base fee + tip: stays includable through six full blocks of base-fee growth. */
async function estimateFees(client: PublicClient): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
  const [block, tip] = await Promise.all([
    client.getBlock({ blockTag: 'latest' }),
    client.request({ method: 'eth_maxPriorityFeePerGas' }).then(BigInt, () => 1_000_000_000n),
  ]);
  const baseFee = block.baseFeePerGas ?? 0n;
  return { maxFeePerGas: baseFee * 2n + tip, maxPriorityFeePerGas: tip };
}

/**
 * Balance, gas and fee checks. A user error (revert, insufficient funds) comes back in `errors`;
 * an RPC failure throws (the activity retries it).
 */
export async function evmPreflight(client: PublicClient, intent: TransferIntent): Promise<PreflightResult> {
  const from = intent.from.address as Hex;
  const call = transferCall(intent);
  const errors: PreflightIssue[] = [];
  const request = intent.request?.kind === 'evm_call' ? intent.request : undefined;
  const [chainId, fees, nativeBalance] = await Promise.all([
    client.getChainId(),
    request?.maxFeePerGas && request.maxPriorityFeePerGas
      ? { maxFeePerGas: BigInt(request.maxFeePerGas), maxPriorityFeePerGas: BigInt(request.maxPriorityFeePerGas) }
      : estimateFees(client),
    client.getBalance({ address: from }),
  ]);
  const amount = BigInt(intent.rawAmount);
  if (intent.token.kind === 'token') {
    const tokenBalance = await client.readContract({
      address: intent.token.address as Hex,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [from],
    });
    if (tokenBalance < amount) {
      errors.push({ id: ErrorId.InsufficientFunds, message: `token balance ${tokenBalance} is below ${amount}` });
    }
  } else if (nativeBalance < amount) {
    errors.push({ id: ErrorId.InsufficientFunds, message: `balance ${nativeBalance} wei is below ${amount} wei` });
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
  const maxFeePerGas = fees.maxFeePerGas;
  const fee = gas * maxFeePerGas;
  const totalSpent = fee + (intent.token.kind === 'native' ? amount : 0n);
  if (errors.length === 0 && nativeBalance < totalSpent) {
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: `balance ${nativeBalance} wei is below amount plus max fee ${totalSpent} wei`,
    });
  }
  const context: EvmPreflightContext = {
    chainId,
    gas: gas.toString(),
    maxFeePerGas: maxFeePerGas.toString(),
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
  };
  return { errors, warnings: [], fee: fee.toString(), totalSpent: totalSpent.toString(), context: { ...context } };
}
