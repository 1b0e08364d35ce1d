/**
 * The Solana adapter with several RPC endpoints in front of the Solana test peer (test/support/http-proxy.ts):
 * one refusing connections, one lagging (frozen block height, does not know the signature), sends to all.
 */
import { Connection, PublicKey } from '@solana/web3.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { type SolanaTestPeer, startSolanaTestPeer } from '../../test/peers/solana-rpc.js';
import { type HttpProxy, type ProxiedCall, startRecordingProxy } from '../../test/support/http-proxy.js';
import networks from '../networks/solana.json' with { type: 'json' };
import type { ChainAdapter, ChainStatus, NetworkConfig } from '../types.js';
import { createSolanaAdapter } from './index.js';

const local = (networks as NetworkConfig[]).find((n) => n.name === 'solana-local')!;
const SOL = 1_000_000_000;

let peer: SolanaTestPeer;
const proxies: HttpProxy[] = [];

beforeAll(async () => {
  peer = await startSolanaTestPeer({ slotMs: 50, finalityDepth: 8 });
});
afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await peer?.stop();
});

async function proxy(): Promise<HttpProxy & { calls: ProxiedCall[] }> {
  const p = await startRecordingProxy(peer.rpcUrl);
  proxies.push(p);
  return p;
}

const adapterOver = (urls: string[]) => createSolanaAdapter({ ...local, rpcUrl: urls[0]!, rpcUrls: urls });

async function send(adapter: ChainAdapter) {
  const sk = generatePrivateKey('ed25519');
  const publicKey = publicKeyOf('ed25519', sk);
  const from = adapter.addressFromPublicKey(publicKey);
  const to = adapter.addressFromPublicKey(publicKeyOf('ed25519', generatePrivateKey('ed25519')));
  await adapter.faucet!(from, String(SOL));
  const intent = {
    transferId: `t-${Math.random()}`,
    chain: local.name,
    from: { address: from, publicKey },
    to,
    token: await adapter.resolveToken('NATIVE'),
    rawAmount: String(SOL / 10),
  };
  const preflight = await adapter.preflight(intent);
  expect(preflight.errors).toEqual([]);
  const unsigned = await adapter.build(intent, preflight, {});
  const signed = adapter.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
  return { signed, unsigned, to, result: await adapter.broadcast(signed) };
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

describe('Solana adapter with several RPC endpoints', () => {
  it('reads, sends through every live endpoint and checks status when the first refuses connections', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const [a, b] = [await proxy(), await proxy()];
    const adapter = adapterOver([down, a.url, b.url]);
    const { signed, unsigned, to, result } = await send(adapter);
    expect(result).toEqual({ hash: signed.hash, alreadyKnown: false });
    for (const p of [a, b]) {
      const sends = p.calls.filter((c) => c.body.method === 'sendTransaction');
      expect(sends.map((c) => (c.body.params as string[])[0])).toEqual([signed.raw]);
    }
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
    const balance = await new Connection(peer.rpcUrl, 'confirmed').getBalance(new PublicKey(to));
    expect(balance).toBe(SOL / 10);
  });

  it("does not trust a lagging endpoint's status answer, and never answers from it alone", async () => {
    const [lagging, fresh] = [await proxy(), await proxy()];
    const adapter = adapterOver([lagging.url, fresh.url]);
    const { signed, unsigned } = await send(adapter);
    const frozen = await new Connection(peer.rpcUrl).getBlockHeight('finalized');
    const asked: ProxiedCall[] = [];
    // Stuck at one height, and does not know the signature.
    lagging.setRule((call) => {
      if (call.body.method === 'getBlockHeight') return { kind: 'respond', body: { result: frozen } };
      if (call.body.method === 'getSignatureStatuses') {
        asked.push(call);
        return { kind: 'respond', body: { result: { context: { slot: 1 }, value: [null] } } };
      }
      return undefined;
    });
    // Let the lag pass the family's tolerance (30 blocks; the peer makes a block every 50 ms).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await waitForFinal(adapter, signed.hash, unsigned.details)).toMatchObject({ state: 'included' });
    expect(asked).toEqual([]);

    await fresh.close();
    // Even past lastValidBlockHeight, the lagging node alone proves nothing: no `expired`, no `not_found`.
    const expiredDetails = { ...unsigned.details, lastValidBlockHeight: 0 };
    await expect(adapter.getStatus(signed.hash, { details: expiredDetails })).rejects.toMatchObject({
      id: 'rpc_failed',
      kind: 'retryable',
    });
    expect(asked).toEqual([]);
  });
});
