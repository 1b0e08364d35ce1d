/**
 * The Bitcoin adapter over several Esplora servers (the Esplora test peer on a real regtest node, behind
 * test/support/http-proxy.ts): one refusing connections, one lagging (frozen tip, does not know the transaction).
 * Reads rotate, the broadcast goes to every live server, and status comes only from a server at the best tip.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.js';
import { type BitcoinRegtestNode, startBitcoinRegtest } from '../../test/peers/bitcoin-regtest.js';
import { type EsploraTestPeer, startEsploraTestPeer } from '../../test/peers/esplora/index.js';
import { type HttpProxy, type ProxiedCall, startRecordingProxy } from '../../test/support/http-proxy.js';
import { loadNetworks } from '../networks.js';
import type { ChainAdapter, ChainStatus } from '../types.js';
import { bitcoinjsNetwork } from './address.js';
import { esploraUrlsOf } from './esplora-backend.js';
import { createBitcoinAdapter } from './index.js';
import { bitcoinNetwork, newWallet, prepareTransfer } from './test-support.js';

let node: BitcoinRegtestNode;
let peer: EsploraTestPeer;
let faucet: ChainAdapter;
const proxies: HttpProxy[] = [];

beforeAll(async () => {
  node = await startBitcoinRegtest();
  faucet = createBitcoinAdapter(bitcoinNetwork('bitcoin-regtest', { rpcUrl: node.rpcUrl }));
  peer = await startEsploraTestPeer({ rpcUrl: node.rpcUrl, network: bitcoinjsNetwork(faucet.network) });
});
afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await peer?.stop();
  await node?.stop();
});

async function proxy(): Promise<HttpProxy & { calls: ProxiedCall[] }> {
  const p = await startRecordingProxy(peer.url);
  proxies.push(p);
  return p;
}

async function adapterOver(urls: string[]): Promise<ChainAdapter> {
  const base = bitcoinNetwork('bitcoin-regtest');
  return createBitcoinAdapter({
    ...base,
    rpcUrl: `http://u:p@127.0.0.1:${await freePort()}`, // nothing listens: every call goes through Esplora
    esploraUrl: urls[0]!,
    esploraUrls: urls,
    params: { ...base.params, backend: 'esplora' },
  });
}

async function send(adapter: ChainAdapter) {
  const sender = newWallet(adapter);
  await faucet.faucet!(sender.address, '100000000');
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

const posted = (calls: ProxiedCall[]) => calls.filter((c) => c.path.endsWith('/tx') && c.text.length > 0);

describe('Bitcoin adapter (Esplora) with several servers', () => {
  it('ESPLORA_URLS_<NETWORK> gives the list; ESPLORA_URL_<NETWORK> alone replaces it', () => {
    const byName = (env: NodeJS.ProcessEnv) => loadNetworks(env).find((n) => n.name === 'bitcoin')!;
    const listed = byName({ ESPLORA_URLS_BITCOIN: 'https://a.example/api, https://b.example/api' });
    expect(esploraUrlsOf(listed)).toEqual(['https://a.example/api', 'https://b.example/api']);
    const one = byName({ ESPLORA_URL_BITCOIN: 'https://c.example/api' });
    expect(esploraUrlsOf(one)).toEqual(['https://c.example/api']);
  });

  it('lists, broadcasts through every live server and finalizes when the first refuses connections', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const [a, b] = [await proxy(), await proxy()];
    const adapter = await adapterOver([down, a.url, b.url]);
    const { signed, unsigned, result } = await send(adapter);
    expect(result.hash).toBe(signed.hash);
    for (const p of [a, b]) expect(posted(p.calls).map((c) => c.text)).toContain(signed.raw);
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
  });

  it("never takes a lagging server's status answer, and refuses to answer from it alone", async () => {
    const [lagging, fresh] = [await proxy(), await proxy()];
    const adapter = await adapterOver([lagging.url, fresh.url]);
    const { signed, unsigned } = await send(adapter);
    const frozen = String(await node.rpc<number>('getblockcount'));
    const asked: ProxiedCall[] = [];
    // Stuck at one tip, and does not know the transaction (what a stale server would answer).
    lagging.setRule((call) => {
      if (call.path.endsWith('/blocks/tip/height')) return { kind: 'respond', body: Number(frozen) };
      if (call.path.includes(`/tx/${signed.hash}`)) {
        asked.push(call);
        return call.path.endsWith('/status')
          ? { kind: 'respond', body: { confirmed: false } }
          : { kind: 'respond', status: 404, body: 'Transaction not found' };
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
