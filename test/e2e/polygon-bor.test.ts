/**
 * Polygon's rules on the local stack: the real `polygon` network entry (its 25 gwei floor, its fee caps) served by
 * anvil behind a proxy in Bor mode (test/support/bor-proxy.ts): tips below 25 gwei are refused with Bor's text and
 * `eth_maxPriorityFeePerGas` answers 429. Only the chain id (anvil's 31337) and the block timing are local.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { BOR_MIN_TIP_WEI, type BorProxy, startBorProxy } from '../support/bor-proxy.js';
import { insteadOfAnvil, networkOnAnvil } from '../support/network-on-anvil.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const anvil = createEvmClient(anvilUrl);
let bor: BorProxy;
let stack: TestStack;

beforeAll(async () => {
  bor = await startBorProxy(anvilUrl);
  const networks = loadNetworks();
  // anvil's own entry leaves (one network per chain id): the Bor-mode Polygon takes 31337.
  const chains = new ChainRegistry(
    insteadOfAnvil(networks, networkOnAnvil(networks, 'polygon', 'polygon-bor-local', bor.url)),
  );
  stack = await startTestStack({ chains });
});
afterAll(async () => {
  await stack?.close();
  await bor?.close();
});

describe('Polygon (Bor mode): 25 gwei floor, rate-limited tip suggestion', () => {
  it('lands a transfer with a tip ≥ 25 gwei while eth_maxPriorityFeePerGas answers 429', async () => {
    const created = await stack.call<{ walletId: string; address: Hex }>('POST', '/api/wallets', { userId: 'bor' });
    expect(created.status).toBe(201);
    const funded = await stack.call('POST', '/v1/dev/faucet', {
      chain: 'polygon-bor-local',
      address: created.body.address,
      amount: '1',
    });
    expect(funded.status).toBe(200);
    const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
    const sent = await stack.call<{ transferId: string; transactionHash: Hex }>(
      'POST',
      '/v1/assets/send',
      { chain: 'polygon-bor-local', to, token: 'NATIVE', amount: '0.01', walletId: created.body.walletId },
      { 'idempotency-key': 'bor-1' },
    );
    expect(sent.status).toBe(200);
    const final = await waitForTransfer<{ status: string; fee: string | null }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    const tx = await anvil.getTransaction({ hash: sent.body.transactionHash });
    expect(tx.maxPriorityFeePerGas).toBeGreaterThanOrEqual(BOR_MIN_TIP_WEI);
    expect(await anvil.getBalance({ address: to })).toBe(10n ** 16n);
    // The suggestion was asked and refused, the tip came from fee history, and no broadcast was refused.
    expect(bor.methods).toContain('eth_maxPriorityFeePerGas');
    expect(bor.methods).toContain('eth_feeHistory');
    expect(bor.refused).toEqual([]);
  });
});
