/**
 * A transfer through the whole stack on a network with three RPC endpoints in front of anvil: the first refuses
 * connections, the second lags (block height frozen, does not know the transaction), the third is healthy. The
 * transfer is accepted, finalized with one on-chain transaction, and no status answer came from the lagging node.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { freePort } from '../../scripts/stack/ports.js';
import { type HttpProxy, type ProxiedCall, startHttpProxy } from '../support/http-proxy.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const anvil = createEvmClient(anvilUrl);
let stack: TestStack;
let lagging: HttpProxy;
let healthy: HttpProxy;
const sent: Record<'lagging' | 'healthy', string[]> = { lagging: [], healthy: [] };
const hidden: ProxiedCall[] = [];

beforeAll(async () => {
  const frozen = `0x${(await anvil.getBlockNumber()).toString(16)}`;
  [lagging, healthy] = [await startHttpProxy(anvilUrl), await startHttpProxy(anvilUrl)];
  lagging.setRule((call) => {
    if (call.body.method === 'eth_sendRawTransaction') sent.lagging.push((call.body.params as string[])[0]!);
    if (call.body.method === 'eth_blockNumber') return { kind: 'respond', body: { result: frozen } };
    if (call.body.method === 'eth_getTransactionReceipt' || call.body.method === 'eth_getTransactionByHash') {
      hidden.push(call);
      return { kind: 'respond', body: { result: null } };
    }
    return undefined;
  });
  healthy.setRule((call) => {
    if (call.body.method === 'eth_sendRawTransaction') sent.healthy.push((call.body.params as string[])[0]!);
    return undefined;
  });
  const down = `http://127.0.0.1:${await freePort()}`;
  const chains = new ChainRegistry(
    loadNetworks({ ...process.env, RPC_URLS_ANVIL: [down, lagging.url, healthy.url].join(',') }),
  );
  stack = await startTestStack({ chains });
});
afterAll(async () => {
  await stack?.close();
  await Promise.allSettled([lagging?.close(), healthy?.close()]);
});

describe('several RPC endpoints per network', () => {
  it('a transfer lands once and finalizes while one endpoint is down and another lags', async () => {
    const { body: wallet } = await stack.call<{ walletId: string; address: string }>('POST', '/api/wallets', {
      userId: 'multi-rpc',
    });
    const funded = await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: wallet.address, amount: '1' });
    expect(funded.status, JSON.stringify(funded.body)).toBe(200);
    // anvil mines a block a second: the lagging endpoint is now past the EVM tolerance of 5 blocks.
    await new Promise((r) => setTimeout(r, 6_000));
    const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
    const res = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to,
      token: 'NATIVE',
      amount: '0.1',
      walletId: wallet.walletId,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const final = await waitForTransfer<{ status: string; transactionHash: string }>(stack, res.body.transferId);
    expect(final.status).toBe('finalized');
    // The same bytes went through both live endpoints; the status never came from the lagging one.
    expect(sent.healthy).toHaveLength(1);
    expect(sent.lagging).toEqual(sent.healthy);
    expect(hidden).toEqual([]);
    expect(await anvil.getBalance({ address: to })).toBe(10n ** 17n);
    expect(await anvil.getTransactionCount({ address: wallet.address as Hex })).toBe(1);
  });
});
