import { encodeFunctionData, type Hex } from 'viem';
import type { TransferIntent } from '../types.js';
import { erc20Abi } from './erc20.js';

/**
 * The call a transfer makes: native value to `to`, ERC-20 `transfer(to, amount)` on the token contract, or the
 * caller's own calldata (an `evm_call` request) with the native value attached.
 */
export function transferCall(intent: TransferIntent): { to: Hex; value: bigint; data?: Hex } {
  if (intent.request?.kind === 'evm_call')
    return { to: intent.to as Hex, value: BigInt(intent.rawAmount), data: intent.request.data as Hex };
  if (intent.token.kind === 'native') return { to: intent.to as Hex, value: BigInt(intent.rawAmount) };
  return {
    to: intent.token.address as Hex,
    value: 0n,
    data: encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [intent.to as Hex, BigInt(intent.rawAmount)],
    }),
  };
}
