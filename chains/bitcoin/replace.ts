/**
 * BIP125 replacements (RBF) of a stuck attempt: the SAME inputs, so at most one of the attempts can ever confirm.
 * - speed-up: the same payment with a higher fee rate, paid out of the change (dust change joins the fee);
 * - cancel: every input back to the sender in one output (nothing reaches the recipient).
 * Both follow BIP125: fee rate ≥ old rate + the incremental relay fee, and absolute fee ≥ old fee + incremental ×
 * the replacement's vsize; never above the network cap or the request's `maxFee`.
 */
import type { Network } from 'bitcoinjs-lib';
import { chainError, ErrorId } from '../../errors/codes.js';
import { satVbCapInKvB } from '../fee-caps.js';
import type { NetworkConfig, ReplacementRequest, TransferIntent, UnsignedTx, Utxo } from '../types.js';
import { dustThreshold, outputSize } from './address.js';
import type { BitcoinBackend } from './backend.js';
import { type BitcoinTxDetails, buildUnsigned } from './build.js';
import { bumpBitcoinFeeRate } from './fee-bump.js';
import { estimateVsize, feeFor, maxBig } from './fees.js';
import { senderScript, spendRequest } from './preflight.js';
import { planWithInputs, type SpendPlan, sumValues } from './utxo.js';

function previousDetails(previous: Record<string, unknown>): BitcoinTxDetails {
  const d = previous as Partial<BitcoinTxDetails>;
  if (!Array.isArray(d.inputs) || d.inputs.length === 0 || typeof d.fee !== 'string' || !d.feeRateSatPerKvB)
    throw chainError(ErrorId.Internal, 'the attempt to replace has no inputs / fee on record', 'terminal');
  return d as BitcoinTxDetails;
}

function capped(request: ReplacementRequest, why: string) {
  return chainError(ErrorId.FeeCapExceeded, `cannot ${request.kind.replace('_', ' ')}: ${why}`, 'terminal');
}

export async function buildBitcoinReplacement(
  backend: BitcoinBackend,
  network: NetworkConfig,
  net: Network,
  intent: TransferIntent,
  previous: Record<string, unknown>,
  request: ReplacementRequest,
): Promise<UnsignedTx> {
  const prev = previousDetails(previous);
  const inputs: Utxo[] = prev.inputs.map((u) => ({ ...u, confirmations: 1 }));
  const total = sumValues(inputs);
  const prevFee = BigInt(prev.fee);
  const incremental = await backend.incrementalRelayFee();
  const maxFee = request.maxFee ?? intent.maxFee;
  const { publicKey, script: ownScript } = senderScript(intent, net);

  // The size decides the rate the caps allow: a cancel has one output, a speed-up keeps the payment's outputs.
  const cancelVsize = estimateVsize(inputs.length, [outputSize(ownScript)]);
  const vsize = request.kind === 'cancel' ? cancelVsize : prev.vsize;
  const target = (await backend.feeRate()).satPerKvB;
  const bump = bumpBitcoinFeeRate(BigInt(prev.feeRateSatPerKvB), {
    vsize,
    capSatPerKvB: satVbCapInKvB(network),
    ...(maxFee !== undefined ? { maxFee } : {}),
    incrementalSatPerKvB: incremental,
    targetSatPerKvB: target,
  });
  if (!bump.ok) throw capped(request, bump.message);

  let plan: SpendPlan;
  let amount: bigint;
  let to: string;
  let toScript: Uint8Array;
  if (request.kind === 'cancel') {
    const fee = maxBig(feeFor(cancelVsize, bump.satPerKvB), prevFee + feeFor(cancelVsize, incremental));
    amount = total - fee;
    if (amount < dustThreshold(ownScript))
      throw chainError(ErrorId.InsufficientFunds, 'cannot cancel: the inputs do not cover the fee', 'terminal');
    plan = { inputs, fee, change: 0n, vsize: cancelVsize };
    to = intent.from.address;
    toScript = ownScript;
  } else {
    const req = spendRequest(intent, net, bump.satPerKvB);
    plan = planWithInputs(inputs, req);
    const minimum = prevFee + feeFor(plan.vsize, incremental);
    if (plan.fee < minimum) {
      // Rule 3: the change cannot absorb the absolute fee increase.
      if (plan.change - (minimum - plan.fee) < dustThreshold(ownScript))
        throw chainError(
          ErrorId.InsufficientFunds,
          'cannot speed up: the change does not cover a higher fee',
          'terminal',
        );
      plan = { ...plan, change: plan.change - (minimum - plan.fee), fee: minimum };
    }
    amount = req.amount;
    to = intent.to;
    toScript = req.toScript;
  }
  if (maxFee !== undefined && plan.fee > BigInt(maxFee))
    throw capped(request, `the replacement's fee ${plan.fee} sat is above maxFee ${maxFee} sat`);

  const unsigned = buildUnsigned({
    chain: network.name,
    plan,
    amount,
    from: intent.from.address,
    to,
    toScript,
    changeScript: ownScript,
    publicKey,
    satPerKvB: bump.satPerKvB,
  });
  return { ...unsigned, details: { ...unsigned.details, replacement: request.kind, replaces: prev.txid } };
}
