/**
 * The Bitcoin adapter (Core RPC) with several endpoints in front of one regtest node
 * (test/support/http-proxy.ts): one refusing connections, one lagging (frozen block count, does not know the
 * transaction), broadcasts to all.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.js';
import { type BitcoinRegtestNode, startBitcoinRegtest } from '../../test/peers/bitcoin-regtest.js';
import { type HttpProxy, type ProxiedCall, startRecordingProxy } from '../../test/support/http-proxy.js';
import type { ChainAdapter, ChainStatus } from '../types.js';
import { createBitcoinAdapter } from './index.js';
import { bitcoinNetwork, newWallet, prepareTransfer } from './test-support.js';

let node: BitcoinRegtestNode;
const proxies: HttpProxy[] = [];

beforeAll(async () => {
  node = await startBitcoinRegtest();
});
afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await node?.stop();
});

/** A proxy URL with the node's credentials (the proxy passes the Authorization header on). */
async function proxy(): Promise<HttpProxy & { calls: ProxiedCall[] }> {
  const p = await startRecordingProxy(`http://127.0.0.1:${node.port}`);
  proxies.push(p);
  const url = new URL(p.url);
  url.username = 'u';
  url.password = 'p';
  return Object.assign(p, { url: url.toString() });
}

const adapterOver = (urls: string[]) =>
  createBitcoinAdapter(bitcoinNetwork('bitcoin-regtest', { rpcUrl: urls[0]!, rpcUrls: urls }));

async function send(adapter: ChainAdapter) {
  const sender = newWallet(adapter);
  await adapter.faucet!(sender.address, '100000000');
  const { signed, unsigned } = await prepareTransfer(adapter, sender, newWallet(adapter).address, 10_000_000n);
  return { signed, unsigned, result: await adapter.broadcast(signed) };
}

async function waitForFinal(adapter: ChainAdapter, hash: string, details: Record<string, unknown>) {
  let last: ChainStatus = { state: 'not_found' };
  for (let i = 0; i < 20; i++) {
    last = await adapter.getStatus(hash, { details });
    if (last.state === 'included' && last.final) return last;
    await node.mine(1);
  }
  throw new Error(`not final: ${JSON.stringify(last)}`);
}

const sends = (calls: ProxiedCall[]) => calls.filter((c) => c.body.method === 'sendrawtransaction');

describe('Bitcoin adapter (Core RPC) with several endpoints', () => {
  it('reads, broadcasts through every live endpoint and checks status when the first refuses connections', async () => {
    const down = `http://u:p@127.0.0.1:${await freePort()}`;
    const [a, b] = [await proxy(), await proxy()];
    const adapter = adapterOver([down, a.url, b.url]);
    const { signed, unsigned, result } = await send(adapter);
    expect(result.hash).toBe(signed.hash);
    for (const p of [a, b]) expect(sends(p.calls).map((c) => (c.body.params as string[])[0])).toContain(signed.raw);
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
  });

  it("does not trust a lagging endpoint's status answer, and never answers from it alone", async () => {
    const [lagging, fresh] = [await proxy(), await proxy()];
    const adapter = adapterOver([lagging.url, fresh.url]);
    const { signed, unsigned } = await send(adapter);
    const frozen = await node.rpc<number>('getblockcount');
    const asked: ProxiedCall[] = [];
    // Stuck at one height, and does not know the transaction.
    lagging.setRule((call) => {
      if (call.body.method === 'getblockcount') return { kind: 'respond', body: { result: frozen, error: null } };
      if (call.body.method === 'getrawtransaction' || call.body.method === 'getmempoolentry') {
        asked.push(call);
        return {
          kind: 'respond',
          status: 500,
          body: { result: null, error: { code: -5, message: 'No such mempool or blockchain transaction' } },
        };
      }
      return undefined;
    });
    await node.mine(2); // past the tolerance of 1 block
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
    expect(asked).toEqual([]);

    await fresh.close();
    await expect(adapter.getStatus(signed.hash, { details: unsigned.details })).rejects.toMatchObject({
      id: 'rpc_failed',
      kind: 'retryable',
    });
    expect(asked).toEqual([]);
  });
});
