import type { Hex, PublicClient } from 'viem';
import { ErrorId } from '../../errors/codes.js';
import type { EvmCallRequest, PreflightIssue, PreflightResult, TransferIntent } from '../types.js';
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

interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  baseFee: bigint;
}

/**
 * maxFee = 2 × base fee + tip: stays includable through six full blocks of base-fee growth. A caller's own caps
 * (`evm_call` requests) are used as given, next to the current base fee so preflight can refuse caps it is above.
 */
async function estimateFees(client: PublicClient, own?: EvmCallRequest): Promise<Fees> {
  const [block, tip] = await Promise.all([
    client.getBlock({ blockTag: 'latest' }),
    own?.maxPriorityFeePerGas
      ? BigInt(own.maxPriorityFeePerGas)
      : client.request({ method: 'eth_maxPriorityFeePerGas' }).then(BigInt, () => 1_000_000_000n),
  ]);
  const baseFee = block.baseFeePerGas ?? 0n;
  const maxFeePerGas = own?.maxFeePerGas ? BigInt(own.maxFeePerGas) : baseFee * 2n + tip;
  return { maxFeePerGas, maxPriorityFeePerGas: tip, baseFee };
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
    estimateFees(client, request),
    client.getBalance({ address: from }),
  ]);
  const amount = BigInt(intent.rawAmount);
  if (fees.maxFeePerGas < fees.baseFee)
    // It would wait in the mempool holding this address's nonce, and every later transfer behind it.
    errors.push({
      id: 'fee_too_low',
      message: `maxFeePerGas ${fees.maxFeePerGas} wei is below the current base fee ${fees.baseFee} wei: the transaction would not be included`,
    });
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
