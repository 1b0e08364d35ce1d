/**
 * Same-nonce replacements (speed-up and cancel): both fees +12.5 % over the attempt they replace (what nodes require),
 * at least what the current base fee needs, and never above the network caps or the request's `maxFee`.
 */
import type { Hex, PublicClient } from 'viem';
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { NetworkConfig, ReplacementRequest, TransferIntent, UnsignedTx } from '../types.js';
import { unsignedEip1559 } from './build.js';
import { transferCall } from './call.js';
import { bumpEvmFees, evmFeeLimits } from './fees.js';
import { budgetL1Fee, l1FeeSettings, maxFeeLeftForL2 } from './l1-fee.js';

/** A cancel moves nothing: a plain send of 0 to self. */
const CANCEL_GAS = 21_000n;

export async function buildEvmReplacement(
  client: PublicClient,
  network: NetworkConfig,
  chainId: number,
  intent: TransferIntent,
  previous: Record<string, unknown>,
  request: ReplacementRequest,
): Promise<UnsignedTx> {
  if (typeof previous.nonce !== 'string' || typeof previous.gas !== 'string')
    throw new BaseError('the attempt to replace has no nonce / gas on record', { id: ErrorId.Internal });
  const nonce = BigInt(previous.nonce);
  if (request.automatic) {
    const mined = BigInt(await client.getTransactionCount({ address: intent.from.address as Hex, blockTag: 'latest' }));
    if (mined < nonce)
      throw new BaseError(
        `nonce ${nonce} waits behind the sender's unmined nonce ${mined}: a higher fee would not get it in sooner`,
        { id: ErrorId.ReplacementWaiting },
      );
  }
  const gas = request.kind === 'cancel' ? CANCEL_GAS : BigInt(previous.gas);
  const call = request.kind === 'cancel' ? { to: intent.from.address as Hex, value: 0n } : transferCall(intent);
  const block = await client.getBlock({ blockTag: 'latest' });
  // On OP-stack networks the L1 data fee comes out of the same maxFee: what it leaves bounds the L2 fees.
  const maxFee = request.maxFee ?? intent.maxFee;
  const l1 = l1FeeSettings(network);
  const l1Fee =
    l1 && maxFee !== undefined ? await budgetL1Fee(client, l1, chainId, intent.from.address as Hex, call) : 0n;
  const l2MaxFee = maxFeeLeftForL2(maxFee, l1Fee);
  const bump = bumpEvmFees(
    {
      maxFeePerGas: BigInt(String(previous.maxFeePerGas)),
      maxPriorityFeePerGas: BigInt(String(previous.maxPriorityFeePerGas)),
    },
    {
      limits: evmFeeLimits(network),
      gas,
      maxFee: l2MaxFee,
      baseFee: block.baseFeePerGas ?? undefined,
    },
  );
  if (!bump.ok)
    throw new BaseError(`cannot ${request.kind.replace('_', ' ')}: ${bump.message}`, { id: ErrorId.FeeCapExceeded });
  return unsignedEip1559(
    intent.chain,
    {
      chainId,
      nonce,
      from: intent.from.address,
      gas,
      maxFeePerGas: bump.fees.maxFeePerGas,
      maxPriorityFeePerGas: bump.fees.maxPriorityFeePerGas,
      call,
    },
    { replacement: request.kind },
  );
}
