/**
 * The EVM adapter against anvil in Bor mode (test/support/bor-proxy.ts): the proxy is a real adversary (a network
 * without Polygon's floor is refused with Bor's text, classified fee_too_low, terminal), and with the floor
 * of chains/networks/evm.json preflight prices ≥ 25 gwei although eth_maxPriorityFeePerGas answers 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseError } from '../../errors/base.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { BOR_MIN_TIP_WEI, type BorProxy, startBorProxy } from '../../test/support/bor-proxy.js';
import { loadNetworks } from '../networks.js';
import type { NetworkConfig, TransferIntent } from '../types.js';
import { createEvmAdapter } from './index.js';

const networks = loadNetworks();
const anvil = networks.find((n) => n.name === 'anvil')!;
const polygon = networks.find((n) => n.name === 'polygon')!;
let bor: BorProxy;

beforeAll(async () => {
  bor = await startBorProxy(process.env.RPC_URL_ANVIL!);
});
afterAll(async () => {
  await bor?.close();
});

async function sendThroughBor(network: NetworkConfig) {
  const adapter = createEvmAdapter({ ...network, rpcUrl: bor.url, rpcUrls: [bor.url] });
  const sk = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', sk);
  const from = adapter.addressFromPublicKey(publicKey);
  await createEvmAdapter(anvil).faucet!(from, (10n ** 18n).toString());
  const intent: TransferIntent = {
    transferId: `bor-${Date.now()}`,
    chain: network.name,
    from: { address: from, publicKey },
    to: adapter.addressFromPublicKey(publicKeyOf('secp256k1', generatePrivateKey('secp256k1'))),
    token: await adapter.resolveToken('NATIVE'),
    rawAmount: '1000',
  };
  const pre = await adapter.preflight(intent);
  expect(pre.errors).toEqual([]);
  const unsigned = await adapter.build(intent, pre, { nonce: await adapter.getChainNonce!(from) });
  const signed = adapter.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
  return { pre, broadcast: () => adapter.broadcast(signed) };
}

describe('EVM adapter on anvil in Bor mode', () => {
  it('without a floor: the tip from fee history is below 25 gwei and Bor refuses it: fee_too_low, terminal', async () => {
    const { pre, broadcast } = await sendThroughBor(anvil);
    expect(pre.warnings.map((w) => w.id)).toEqual(['tip_from_fee_history']);
    expect(BigInt(String(pre.context.maxPriorityFeePerGas))).toBeLessThan(BOR_MIN_TIP_WEI);
    const err = (await broadcast().catch((e) => e)) as BaseError;
    expect({ id: err.id, kind: err.kind }).toEqual({ id: 'fee_too_low', kind: 'terminal' });
    expect(bor.refused).toHaveLength(1);
  });

  it("with polygon's floor: priced at ≥ 25 gwei from fee history despite the 429, and accepted", async () => {
    const { pre, broadcast } = await sendThroughBor({ ...polygon, caip2: anvil.caip2, dev: true });
    expect(pre.warnings.map((w) => w.id)).toEqual(['tip_from_fee_history']);
    expect(BigInt(String(pre.context.maxPriorityFeePerGas))).toBe(BOR_MIN_TIP_WEI);
    expect(BigInt(pre.fee)).toBe(21_000n * BigInt(String(pre.context.maxFeePerGas)));
    expect((await broadcast()).alreadyKnown).toBe(false);
  });
});
