/**
 * OP-stack L1 data fee (Base, and any network with `params.opStack`): every L2 transaction also pays for posting
 * its bytes to L1, charged from the sender's balance on top of gas × gas price. The GasPriceOracle predeploy
 * prices it (`getL1Fee(unsigned tx bytes)`, via viem's OP-stack action); the price follows L1's (blob) base fee,
 * so what we budget carries a margin (`params.l1FeeMarginPercent`, default 125 %).
 */
import type { Chain, Hex, PublicClient } from 'viem';
import { estimateL1Fee } from 'viem/op-stack';
import type { NetworkConfig } from '../types.js';

/** The OP-stack GasPriceOracle predeploy, the same address on every OP-stack chain. */
export const OP_STACK_GAS_PRICE_ORACLE: Hex = '0x420000000000000000000000000000000000000F';
const DEFAULT_MARGIN_PERCENT = 125n;

export interface L1FeeSettings {
  oracle: Hex;
  marginPercent: bigint;
}

/** The network's L1-fee settings, or undefined where transactions pay no L1 fee. */
export function l1FeeSettings(network: NetworkConfig): L1FeeSettings | undefined {
  const p = network.params ?? {};
  if (p.opStack !== true) return undefined;
  const margin = p.l1FeeMarginPercent;
  return {
    oracle: typeof p.gasPriceOracle === 'string' ? (p.gasPriceOracle as Hex) : OP_STACK_GAS_PRICE_ORACLE,
    marginPercent: typeof margin === 'number' && margin >= 100 ? BigInt(margin) : DEFAULT_MARGIN_PERCENT,
  };
}

/** The L1 data fee to budget for this call, wei (the oracle's price × the margin, rounded up). */
export async function budgetL1Fee(
  client: PublicClient,
  settings: L1FeeSettings,
  chainId: number,
  from: Hex,
  call: { to: Hex; value: bigint; data?: Hex },
): Promise<bigint> {
  const priced = await estimateL1Fee(client, {
    account: from,
    chain: { id: chainId } as Chain,
    gasPriceOracleAddress: settings.oracle,
    to: call.to,
    value: call.value,
    ...(call.data ? { data: call.data } : {}),
  });
  return (priced * settings.marginPercent + 99n) / 100n;
}

/** What a request's total `maxFee` leaves for the L2 fees once the L1 fee is set aside (decimal wei). */
export function maxFeeLeftForL2(maxFee: string | undefined, l1Fee: bigint): string | undefined {
  if (maxFee === undefined) return undefined;
  const total = BigInt(maxFee);
  return (total > l1Fee ? total - l1Fee : 0n).toString();
}
