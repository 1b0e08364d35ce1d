import { type Hex, keccak256, parseTransaction, serializeTransaction, type TransactionSerializableEIP1559 } from 'viem';
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { PreflightResult, Reservation, Signature, SignedTx, TransferIntent, UnsignedTx } from '../types.js';
import { transferCall } from './call.js';
import type { EvmPreflightContext } from './preflight.js';

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
  return unsignedEip1559(intent.chain, {
    chainId,
    nonce,
    from: intent.from.address,
    gas: BigInt(ctx.gas),
    maxFeePerGas: BigInt(ctx.maxFeePerGas),
    maxPriorityFeePerGas: BigInt(ctx.maxPriorityFeePerGas),
    call: transferCall(intent),
  });
}

/**
 * The EIP-1559 transaction to sign and its record: the digest to sign, and the facts status checks and
 * replacements read back (nonce, sender, gas, fee caps, chain id). Pure.
 */
export function unsignedEip1559(
  chain: string,
  t: {
    chainId: number;
    nonce: bigint;
    from: string;
    gas: bigint;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
    call: { to: Hex; value: bigint; data?: Hex };
  },
  extra: Record<string, unknown> = {},
): UnsignedTx {
  const tx: TransactionSerializableEIP1559 = {
    type: 'eip1559',
    chainId: t.chainId,
    nonce: Number(t.nonce),
    gas: t.gas,
    maxFeePerGas: t.maxFeePerGas,
    maxPriorityFeePerGas: t.maxPriorityFeePerGas,
    ...t.call,
  };
  const unsigned = serializeTransaction(tx);
  return {
    chain,
    unsigned,
    payloads: [{ curve: 'secp256k1', payload: keccak256(unsigned).slice(2) }],
    details: {
      nonce: t.nonce.toString(),
      from: t.from,
      gas: t.gas.toString(),
      maxFeePerGas: t.maxFeePerGas.toString(),
      maxPriorityFeePerGas: t.maxPriorityFeePerGas.toString(),
      chainId: t.chainId,
      ...extra,
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
