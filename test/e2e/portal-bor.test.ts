/**
 * Portal's eth_signTransaction on Polygon's rules: the `polygon` entry on anvil behind the Bor-mode proxy
 * (test/support/bor-proxy.ts). The fees filled in from the RPC are raised to the network's 25 gwei floor, so the
 * signed bytes pass Bor's check (the proxy refuses any tip below it) and land.
 */
import { type Hex, parseTransaction } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { BOR_MIN_TIP_WEI, type BorProxy, startBorProxy } from '../support/bor-proxy.js';
import { insteadOfAnvil, networkOnAnvil } from '../support/network-on-anvil.js';
import { type PortalStack, startPortalStack } from './portal-stack.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const anvil = createEvmClient(anvilUrl);
let bor: BorProxy;
let stack: PortalStack;

beforeAll(async () => {
  bor = await startBorProxy(anvilUrl);
  const networks = loadNetworks();
  const polygonOnAnvil = networkOnAnvil(networks, 'polygon', 'polygon-bor-local', bor.url);
  stack = await startPortalStack({
    chains: new ChainRegistry(insteadOfAnvil(networks, polygonOnAnvil)),
  });
});
afterAll(async () => {
  await stack?.close();
  await bor?.close();
});

describe('Portal eth_signTransaction in Bor mode', () => {
  it('fills a tip ≥ 25 gwei although the node suggests less (and 429s its suggestion); Bor accepts the bytes', async () => {
    const client = await stack.call<{ id: string; clientSessionToken: string }>(
      stack.apiKey,
      'POST',
      '/api/v1/custodians/clients',
      {},
    );
    const token = client.body.clientSessionToken;
    const gen = await stack.call<{ SECP256K1: { share: string; id: string }; ED25519: { id: string } }>(
      token,
      'POST',
      '/v1/generate',
      {},
    );
    expect(gen.status).toBe(200);
    const confirmed = await stack.call(token, 'PATCH', '/api/v3/clients/me/signing-share-pairs', {
      status: 'STORED_CLIENT',
      signingSharePairIds: [gen.body.SECP256K1.id, gen.body.ED25519.id],
    });
    expect(confirmed.status).toBe(204);
    const info = await stack.call<{ wallet: { address: Hex } }>(
      stack.apiKey,
      'GET',
      `/api/v1/custodians/clients/${client.body.id}`,
    );
    const from = info.body.wallet.address;
    const funded = await stack.call(stack.apiKey, 'POST', '/v1/dev/faucet', {
      chain: 'polygon-bor-local',
      address: from,
      amount: '1',
    });
    expect(funded.status).toBe(200);
    const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
    const signed = await stack.call<{ data: Hex }>(token, 'POST', '/v1/sign', {
      method: 'eth_signTransaction',
      params: JSON.stringify([{ from, to, value: '0x2386f26fc10000' }]),
      share: gen.body.SECP256K1.share,
      chainId: 'eip155:31337',
    });
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    const tx = parseTransaction(signed.body.data);
    expect(tx.maxPriorityFeePerGas).toBeGreaterThanOrEqual(BOR_MIN_TIP_WEI);
    expect(tx.maxFeePerGas).toBeGreaterThanOrEqual(tx.maxPriorityFeePerGas!);

    const proxied = createEvmClient(bor.url);
    const hash = await proxied.sendRawTransaction({ serializedTransaction: signed.body.data });
    const receipt = await anvil.waitForTransactionReceipt({ hash, pollingInterval: 200 });
    expect(receipt.status).toBe('success');
    expect(bor.refused).toEqual([]);
  });
});
