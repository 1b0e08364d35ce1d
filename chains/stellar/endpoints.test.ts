/**
 * The Stellar adapter with several Horizon endpoints in front of the Horizon test peer
 * (test/support/http-proxy.ts): one refusing connections, one lagging (frozen latest ledger, does not know the
 * transaction), submissions to all.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { type StellarTestPeer, startStellarTestPeer } from '../../test/peers/stellar/index.js';
import { type HttpProxy, type ProxiedCall, startRecordingProxy } from '../../test/support/http-proxy.js';
import type { ChainAdapter, ChainStatus, NetworkConfig } from '../types.js';
import { createStellarAdapter } from './index.js';

const local = (
  JSON.parse(readFileSync(new URL('../networks/stellar.json', import.meta.url), 'utf8')) as NetworkConfig[]
).find((n) => n.name === 'stellar-local')!;

let peer: StellarTestPeer;
const proxies: HttpProxy[] = [];

beforeAll(async () => {
  peer = await startStellarTestPeer({ ledgerMs: 200 });
});
afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await peer?.stop();
});

async function proxy(): Promise<HttpProxy & { calls: ProxiedCall[] }> {
  const p = await startRecordingProxy(peer.horizonUrl);
  proxies.push(p);
  return p;
}

const adapterOver = (urls: string[]) => createStellarAdapter({ ...local, rpcUrl: urls[0]!, rpcUrls: urls });

async function send(adapter: ChainAdapter) {
  const sk = generatePrivateKey('ed25519');
  const publicKey = publicKeyOf('ed25519', sk);
  const from = adapter.addressFromPublicKey(publicKey);
  const to = adapter.addressFromPublicKey(publicKeyOf('ed25519', generatePrivateKey('ed25519')));
  await adapter.faucet!(from, '1000000000');
  const intent = {
    transferId: `t-${Math.random()}`,
    chain: local.name,
    from: { address: from, publicKey },
    to,
    token: await adapter.resolveToken('NATIVE'),
    rawAmount: '100000000',
  };
  const preflight = await adapter.preflight(intent);
  expect(preflight.errors).toEqual([]);
  const unsigned = await adapter.build(intent, preflight, { nonce: await adapter.getChainNonce!(from) });
  const signed = adapter.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
  return { signed, unsigned, result: await adapter.broadcast(signed) };
}

async function waitForFinal(adapter: ChainAdapter, hash: string, details: Record<string, unknown>) {
  let last: ChainStatus = { state: 'not_found' };
  for (let i = 0; i < 200; i++) {
    last = await adapter.getStatus(hash, { details });
    if (last.state === 'included' && last.final) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not final: ${JSON.stringify(last)}`);
}

describe('Stellar adapter with several Horizon endpoints', () => {
  it('reads, submits through every live endpoint and checks status when the first refuses connections', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const [a, b] = [await proxy(), await proxy()];
    const adapter = adapterOver([down, a.url, b.url]);
    const { signed, unsigned, result } = await send(adapter);
    expect(result.hash).toBe(signed.hash);
    for (const p of [a, b]) {
      const submits = p.calls.filter((c) => c.path === '/transactions');
      expect(submits).toHaveLength(1);
      expect(decodeURIComponent(submits[0]!.text.replace(/^tx=/, ''))).toBe(signed.raw);
    }
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
  });

  it("does not trust a lagging endpoint's status answer, and never answers from it alone", async () => {
    const [lagging, fresh] = [await proxy(), await proxy()];
    const adapter = adapterOver([lagging.url, fresh.url]);
    const frozen = await (await fetch(`${peer.horizonUrl}/ledgers?order=desc&limit=1`)).json();
    const asked: ProxiedCall[] = [];
    // Stuck at one ledger, and does not know any transaction.
    lagging.setRule((call) => {
      if (call.path.startsWith('/ledgers?')) return { kind: 'respond', body: frozen };
      if (call.path.startsWith('/transactions/')) {
        asked.push(call);
        return { kind: 'respond', status: 404, body: { status: 404, title: 'Resource Missing' } };
      }
      return undefined;
    });
    const { signed, unsigned } = await send(adapter);
    await new Promise((r) => setTimeout(r, 1_000)); // 5 ledgers: past the tolerance of 2
    const before = asked.length; // the pre-submission lookup of broadcast asks every endpoint
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
    expect(asked.length).toBe(before);

    await fresh.close();
    // Even past maxTime, the lagging Horizon alone proves nothing: no `expired`, no `not_found`.
    await expect(
      adapter.getStatus(signed.hash, { details: { ...unsigned.details, maxTime: 1 } }),
    ).rejects.toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    expect(asked.length).toBe(before);
  });
});
