/**
 * The Tron adapter with several full-node endpoints in front of the TRON test peer (test/support/http-proxy.ts):
 * one refusing connections, one lagging (frozen head, does not know the transaction), broadcasts to all.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { startTronTestPeer, type TronTestPeer } from '../../test/peers/tron/index.js';
import { type HttpProxy, type ProxiedCall, startRecordingProxy } from '../../test/support/http-proxy.js';
import { loadNetworks } from '../networks.js';
import type { ChainAdapter, ChainStatus, NetworkConfig } from '../types.js';
import { createTronAdapter } from './index.js';

let peer: TronTestPeer;
let local: NetworkConfig;
const proxies: HttpProxy[] = [];

beforeAll(async () => {
  peer = await startTronTestPeer({ blockMs: 250, solidifyDepth: 3 });
  local = loadNetworks({}).find((n) => n.name === 'tron-local')!;
});
afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await peer?.stop();
});

async function proxy(): Promise<HttpProxy & { calls: ProxiedCall[] }> {
  const p = await startRecordingProxy(peer.fullNodeUrl);
  proxies.push(p);
  return p;
}

const adapterOver = (urls: string[]) => createTronAdapter({ ...local, rpcUrl: urls[0]!, rpcUrls: urls });

async function send(adapter: ChainAdapter) {
  const sk = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', sk);
  const from = adapter.addressFromPublicKey(publicKey);
  const to = adapter.addressFromPublicKey(publicKeyOf('secp256k1', generatePrivateKey('secp256k1')));
  await adapter.faucet!(from, '100000000');
  const intent = {
    transferId: `t-${Math.random()}`,
    chain: local.name,
    from: { address: from, publicKey },
    to,
    token: await adapter.resolveToken('NATIVE'),
    rawAmount: '1000000',
  };
  const preflight = await adapter.preflight(intent);
  expect(preflight.errors).toEqual([]);
  const unsigned = await adapter.build(intent, preflight, {});
  const signed = adapter.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
  return { signed, unsigned, result: await adapter.broadcast(signed) };
}

async function waitForFinal(adapter: ChainAdapter, hash: string, details: Record<string, unknown>) {
  let last: ChainStatus = { state: 'not_found' };
  for (let i = 0; i < 300; i++) {
    last = await adapter.getStatus(hash, { details });
    if (last.state === 'included' && last.final) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not final: ${JSON.stringify(last)}`);
}

const LOOKUPS = /gettransactioninfobyid|gettransactionbyid|gettransactionfrompending/;

describe('Tron adapter with several endpoints', () => {
  it('reads, broadcasts through every live endpoint and checks status when the first refuses connections', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const [a, b] = [await proxy(), await proxy()];
    const adapter = adapterOver([down, a.url, b.url]);
    const { signed, unsigned, result } = await send(adapter);
    expect(result).toEqual({ hash: signed.hash, alreadyKnown: false });
    for (const p of [a, b]) {
      const sends = p.calls.filter((c) => c.path === '/wallet/broadcasttransaction');
      expect(sends.map((c) => c.body.txID)).toEqual([signed.hash]);
    }
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
  });

  it("does not trust a lagging endpoint's status answer, and never answers from it alone", async () => {
    const [lagging, fresh] = [await proxy(), await proxy()];
    const adapter = adapterOver([lagging.url, fresh.url]);
    const { signed, unsigned } = await send(adapter);
    const frozen = await (await fetch(`${peer.fullNodeUrl}/wallet/getnowblock`, { method: 'POST' })).json();
    const asked: ProxiedCall[] = [];
    // Stuck at one block, and does not know the transaction.
    lagging.setRule((call) => {
      if (call.path.endsWith('/getnowblock')) return { kind: 'respond', body: frozen };
      if (LOOKUPS.test(call.path)) {
        asked.push(call);
        return { kind: 'respond', body: {} };
      }
      return undefined;
    });
    // Let the lag pass the family's tolerance (5 blocks; the peer makes one every 250 ms).
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
    expect(asked).toEqual([]);

    await fresh.close();
    // Even past the expiration, the lagging node alone proves nothing: no `expired`, no `not_found`.
    await expect(
      adapter.getStatus(signed.hash, { details: { ...unsigned.details, expiration: 1 } }),
    ).rejects.toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    expect(asked).toEqual([]);
  });
});
