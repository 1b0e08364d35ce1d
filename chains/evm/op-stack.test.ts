/**
 * OP-stack L1 data fee on anvil: a GasPriceOracle stub (test/support/op-stack-oracle.ts) installed with
 * anvil_setCode at the predeploy address (0x4200…000F) prices `getL1Fee(bytes)` at a fixed wei per byte of the
 * unsigned transaction, like the real oracle's size-based pricing. The network is chains/networks/evm.json's `base` (params.opStack) on anvil's chain id.
 * anvil itself charges no L1 fee: what is proven is our budget (preflight fee, balance check, maxFee), not the
 * chain's charge.
 */
import { type Hex, parseGwei } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { installL1FeeOracle } from '../../test/support/op-stack-oracle.js';
import { loadNetworks } from '../networks.js';
import type { NetworkConfig, TransferIntent } from '../types.js';
import { createEvmClient } from './client.js';
import { createEvmAdapter } from './index.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const anvilClient = createEvmClient(anvilUrl);
const networks = loadNetworks();
const anvil = networks.find((n) => n.name === 'anvil')!;
const base = networks.find((n) => n.name === 'base')!;
const baseOnAnvil: NetworkConfig = { ...base, caip2: anvil.caip2, rpcUrl: anvilUrl, rpcUrls: [anvilUrl], dev: true };

/** Wei of L1 fee per byte of the unsigned transaction (≈ 0.00005 ETH for a plain transfer: above its L2 fee here). */
const WEI_PER_BYTE = parseGwei('1000');

let restore: () => Promise<void>;
beforeAll(async () => {
  restore = await installL1FeeOracle(anvilClient, WEI_PER_BYTE);
});
afterAll(async () => {
  await restore?.();
});

async function funded(network: NetworkConfig, wei: bigint) {
  const adapter = createEvmAdapter(network);
  const sk = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', sk);
  const from = adapter.addressFromPublicKey(publicKey);
  await createEvmAdapter(anvil).faucet!(from, wei.toString());
  const intent = (rawAmount: bigint, maxFee?: bigint): TransferIntent => ({
    transferId: `op-${Date.now()}-${rawAmount}`,
    chain: network.name,
    from: { address: from, publicKey },
    to: adapter.addressFromPublicKey(publicKeyOf('secp256k1', generatePrivateKey('secp256k1'))),
    token: { kind: 'native', symbol: 'ETH', decimals: 18 },
    rawAmount: rawAmount.toString(),
    ...(maxFee === undefined ? {} : { maxFee: maxFee.toString() }),
  });
  return { adapter, sk, from, intent };
}

const l2Fee = (ctx: Record<string, unknown>) => BigInt(String(ctx.gas)) * BigInt(String(ctx.maxFeePerGas));

describe('OP-stack L1 data fee (GasPriceOracle stub on anvil)', () => {
  it('preflight fee = L2 max fee + the oracle price × 125 %; a network without opStack pays none', async () => {
    const { adapter, intent } = await funded(baseOnAnvil, 10n ** 18n);
    const pre = await adapter.preflight(intent(1000n));
    expect(pre.errors).toEqual([]);
    const l1 = BigInt(String(pre.context.l1Fee));
    // An unsigned plain EIP-1559 transfer serializes to ~ 45 bytes; budgeted at 125 %.
    expect(l1).toBeGreaterThanOrEqual((40n * WEI_PER_BYTE * 125n) / 100n);
    expect(l1).toBeLessThanOrEqual((60n * WEI_PER_BYTE * 125n) / 100n);
    expect(BigInt(pre.fee)).toBe(l2Fee(pre.context) + l1);
    expect(BigInt(pre.totalSpent)).toBe(BigInt(pre.fee) + 1000n);

    const plain = await funded({ ...anvil, rpcUrl: anvilUrl, rpcUrls: [anvilUrl] }, 10n ** 18n);
    const prePlain = await plain.adapter.preflight(plain.intent(1000n));
    expect(prePlain.context.l1Fee).toBeUndefined();
    expect(BigInt(prePlain.fee)).toBe(l2Fee(prePlain.context));
  });

  it('send-max: the whole balance less the L2 fee only is insufficient_funds; less the full fee it lands', async () => {
    const balance = 10n ** 16n;
    const { adapter, sk, from, intent } = await funded(baseOnAnvil, balance);
    // Probe with an amount of the same byte length as the send-max below: the L1 fee is priced by the bytes.
    const probe = await adapter.preflight(intent(balance / 2n));
    // 10 % of slack on each side for the base fee moving between blocks: far less than the L1 fee.
    expect(BigInt(String(probe.context.l1Fee))).toBeGreaterThan(l2Fee(probe.context) / 2n);
    const l2Only = balance - (l2Fee(probe.context) * 11n) / 10n;
    const tooMuch = await adapter.preflight(intent(l2Only));
    expect(tooMuch.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    expect(tooMuch.errors[0]!.message).toContain('L1 data fee');

    const fits = intent(balance - (BigInt(probe.fee) * 11n) / 10n);
    const pre = await adapter.preflight(fits);
    expect(pre.errors).toEqual([]);
    expect(BigInt(pre.totalSpent)).toBeLessThanOrEqual(balance);
    const unsigned = await adapter.build(fits, pre, { nonce: await adapter.getChainNonce!(from) });
    const signed = adapter.assemble(
      unsigned,
      unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
    );
    expect((await adapter.broadcast(signed)).alreadyKnown).toBe(false);
    const receipt = await anvilClient.waitForTransactionReceipt({ hash: signed.hash as Hex });
    expect(receipt.status).toBe('success');
  });

  it("a request's maxFee counts the L1 fee: one that covers the L2 fee only is fee_cap_exceeded", async () => {
    const { adapter, intent } = await funded(baseOnAnvil, 10n ** 18n);
    const probe = await adapter.preflight(intent(1000n));
    const refused = await adapter.preflight(intent(1000n, l2Fee(probe.context)));
    expect(refused.errors.map((e) => e.id)).toContain('fee_cap_exceeded');
    const held = await adapter.preflight(intent(1000n, BigInt(probe.fee) * 2n));
    expect(held.errors).toEqual([]);
    expect(BigInt(held.fee)).toBeLessThanOrEqual(BigInt(probe.fee) * 2n);
  });

  it("a replacement's maxFee counts the L1 fee too: enough for the bumped L2 fee only is fee_cap_exceeded", async () => {
    const { adapter, from, intent } = await funded(baseOnAnvil, 10n ** 18n);
    const i = intent(1000n);
    const pre = await adapter.preflight(i);
    const unsigned = await adapter.build(i, pre, { nonce: await adapter.getChainNonce!(from) });
    const bumpedL2 = (l2Fee(pre.context) * 3n) / 2n; // above the +12.5 % bump, below bump + L1 fee
    expect(BigInt(String(pre.context.l1Fee))).toBeGreaterThan(bumpedL2 - l2Fee(pre.context));
    await expect(
      adapter.buildReplacement!(i, unsigned.details, { kind: 'speed_up', maxFee: bumpedL2.toString() }),
    ).rejects.toMatchObject({ id: 'fee_cap_exceeded' });
    const room = bumpedL2 + BigInt(String(pre.context.l1Fee)) * 2n;
    const bumped = await adapter.buildReplacement!(i, unsigned.details, { kind: 'speed_up', maxFee: room.toString() });
    expect(BigInt(String(bumped.details.maxPriorityFeePerGas))).toBeGreaterThan(
      BigInt(String(unsigned.details.maxPriorityFeePerGas)),
    );
  });
});
