import {
  encodeFunctionData,
  type Hex,
  keccak256,
  parseTransaction,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from 'viem';
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { PreflightResult, Reservation, Signature, SignedTx, TransferIntent, UnsignedTx } from '../types.js';
import { erc20Abi } from './erc20.js';
import type { EvmPreflightContext } from './preflight.js';

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

/** EIP-1559 transaction from the preflight's fee and gas, the reserved nonce and the configured chain id. Pure. */
export function buildEvmTransfer(
  intent: TransferIntent,
  preflight: PreflightResult,
  reservation: Reservation,
  chainId: number,
): UnsignedTx {
  const ctx = preflight.context as unknown as EvmPreflightContext;
  if (reservation.nonce === undefined) throw new Error('EVM build needs a reserved nonce');
  const nonce = BigInt(reservation.nonce);
  // viem serializes a JS number: refuse what it cannot carry exactly rather than sign a different nonce.
  if (nonce > BigInt(Number.MAX_SAFE_INTEGER))
    throw new BaseError(`nonce ${nonce} is beyond what this signer encodes exactly`, { id: ErrorId.BadNonce });
  const tx: TransactionSerializableEIP1559 = {
    type: 'eip1559',
    chainId,
    nonce: Number(nonce),
    gas: BigInt(ctx.gas),
    maxFeePerGas: BigInt(ctx.maxFeePerGas),
    maxPriorityFeePerGas: BigInt(ctx.maxPriorityFeePerGas),
    ...transferCall(intent),
  };
  const unsigned = serializeTransaction(tx);
  return {
    chain: intent.chain,
    unsigned,
    payloads: [{ curve: 'secp256k1', payload: keccak256(unsigned).slice(2) }],
    details: {
      nonce: reservation.nonce,
      from: intent.from.address,
      gas: ctx.gas,
      maxFeePerGas: ctx.maxFeePerGas,
      maxPriorityFeePerGas: ctx.maxPriorityFeePerGas,
      chainId,
    },
  };
}

export function assembleEvmTransfer(unsigned: UnsignedTx, signatures: Signature[]): SignedTx {
  const sig = signatures[0];
  if (sig?.curve !== 'secp256k1' || sig.recovery === undefined)
    throw new Error('EVM needs one secp256k1 signature with recovery id');
  const tx = parseTransaction(unsigned.unsigned as Hex) as TransactionSerializableEIP1559;
  const raw = serializeTransaction(tx, {
    r: `0x${sig.signature.slice(0, 64)}`,
    s: `0x${sig.signature.slice(64, 128)}`,
    yParity: sig.recovery,
  });
  return { raw, hash: keccak256(raw) };
}
