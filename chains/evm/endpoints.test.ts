/**
 * The EVM adapter with two RPC endpoints in front of anvil (test/support/http-proxy.ts): one down, one lagging
 * (frozen block height, hides the transaction), and broadcasts reaching every endpoint.
 */
import type { Hex } from 'viem';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { type HttpProxy, type ProxiedCall, startRecordingProxy } from '../../test/support/http-proxy.js';
import { loadNetworks } from '../networks.js';
import type { ChainAdapter, ChainStatus, TransferIntent } from '../types.js';
import { createEvmClient } from './client.js';
import { createEvmAdapter } from './index.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const network = loadNetworks().find((n) => n.name === 'anvil')!;
const anvil = createEvmClient(anvilUrl);
const proxies: HttpProxy[] = [];

afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close()));
});

async function proxy(): Promise<HttpProxy & { calls: ProxiedCall[] }> {
  const p = await startRecordingProxy(anvilUrl);
  proxies.push(p);
  return p;
}

const methods = (calls: ProxiedCall[]) => calls.map((c) => c.body.method);

function adapterOver(urls: string[]): ChainAdapter {
  return createEvmAdapter({ ...network, rpcUrl: urls[0]!, rpcUrls: urls });
}

async function sendNative(adapter: ChainAdapter) {
  const sk = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', sk);
  const from = adapter.addressFromPublicKey(publicKey);
  const to = adapter.addressFromPublicKey(publicKeyOf('secp256k1', generatePrivateKey('secp256k1')));
  await adapter.faucet!(from, (10n ** 18n).toString());
  const intent: TransferIntent = {
    transferId: `t-${Date.now()}`,
    chain: 'anvil',
    from: { address: from, publicKey },
    to,
    token: await adapter.resolveToken('NATIVE'),
    rawAmount: '1000',
  };
  const pre = await adapter.preflight(intent);
  expect(pre.errors).toEqual([]);
  const nonce = await adapter.getChainNonce!(from);
  const unsigned = await adapter.build(intent, pre, { nonce });
  const signed = adapter.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
  const result = await adapter.broadcast(signed);
  return { signed, unsigned, result, to };
}

async function waitForFinal(adapter: ChainAdapter, hash: string): Promise<ChainStatus> {
  for (let i = 0; i < 100; i++) {
    const s = await adapter.getStatus(hash, { details: {} });
    if (s.state === 'included' && s.final) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('not final in time');
}

describe('EVM adapter with several RPC endpoints', () => {
  it('reads, broadcasts and checks status when the first endpoint refuses connections', async () => {
    const down = `http://127.0.0.1:${await freePort()}`; // nothing listens
    const up = await proxy();
    const adapter = adapterOver([down, up.url]);
    const { signed, result, to } = await sendNative(adapter);
    expect(result).toEqual({ hash: signed.hash, alreadyKnown: false });
    expect(methods(up.calls)).toContain('eth_sendRawTransaction');
    expect(await waitForFinal(adapter, signed.hash)).toMatchObject({ state: 'included', final: true });
    expect(await anvil.getBalance({ address: to as Hex })).toBe(1000n);
  });

  it('broadcasts the same bytes through every endpoint; a resend is already known', async () => {
    const [a, b] = [await proxy(), await proxy()];
    const adapter = adapterOver([a.url, b.url]);
    const { signed } = await sendNative(adapter);
    const sent = (calls: ProxiedCall[]) => calls.filter((c) => c.body.method === 'eth_sendRawTransaction');
    expect(sent(a.calls).map((c) => (c.body.params as string[])[0])).toEqual([signed.raw]);
    expect(sent(b.calls).map((c) => (c.body.params as string[])[0])).toEqual([signed.raw]);
    expect((await adapter.broadcast(signed)).hash).toBe(signed.hash);
    await waitForFinal(adapter, signed.hash);
  });

  it('a refusal is final only when no other endpoint may be relaying the bytes', async () => {
    const [up, sick] = [await proxy(), await proxy()];
    sick.setRule((call) =>
      call.body.method === 'eth_sendRawTransaction' ? { kind: 'respond', status: 503, body: 'busy' } : undefined,
    );
    const down = `http://127.0.0.1:${await freePort()}`;
    // Bytes the node refuses: a transfer from an unfunded wallet.
    const signer = adapterOver([up.url]);
    const sk = generatePrivateKey('secp256k1');
    const publicKey = publicKeyOf('secp256k1', sk);
    const from = signer.addressFromPublicKey(publicKey);
    const intent: TransferIntent = {
      transferId: 't-unfunded',
      chain: 'anvil',
      from: { address: from, publicKey },
      to: from,
      token: await signer.resolveToken('NATIVE'),
      rawAmount: '1',
    };
    const pre = await signer.preflight(intent);
    expect(pre.errors.map((e) => e.id)).toContain('insufficient_funds');
    const unsigned = await signer.build(intent, pre, { nonce: '0' });
    const signed = signer.assemble(
      unsigned,
      unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
    );
    // The other endpoint never got the request (connection refused): the refusal stands.
    await expect(adapterOver([down, up.url]).broadcast(signed)).rejects.toMatchObject({
      id: 'insufficient_funds',
      kind: 'terminal',
    });
    // The other endpoint answered 503: it may be relaying the bytes, so nothing is proven.
    await expect(adapterOver([up.url, sick.url]).broadcast(signed)).rejects.toMatchObject({
      id: 'rpc_failed',
      kind: 'retryable',
    });
  });

  it("does not trust a lagging endpoint's status answer, and never answers from it alone", async () => {
    const [lagging, fresh] = [await proxy(), await proxy()];
    const frozen = `0x${((await anvil.getBlockNumber()) - 1n).toString(16)}`;
    const hidden: ProxiedCall[] = [];
    // A node stuck a block back that does not know the transaction yet.
    lagging.setRule((call) => {
      if (call.body.method === 'eth_blockNumber') return { kind: 'respond', body: { result: frozen } };
      if (call.body.method === 'eth_getTransactionReceipt' || call.body.method === 'eth_getTransactionByHash') {
        hidden.push(call);
        return { kind: 'respond', body: { result: null } };
      }
      return undefined;
    });
    const adapter = adapterOver([lagging.url, fresh.url]);
    const { signed } = await sendNative(adapter);
    // Let the lag grow past the network's tolerance (5 blocks on EVM by default; anvil mines one a second).
    await new Promise((r) => setTimeout(r, 7_000));
    expect(await waitForFinal(adapter, signed.hash)).toMatchObject({ state: 'included', final: true });
    expect(hidden).toEqual([]);

    // The node at the head goes away: the lagging one alone must not say "not found" (nor expired).
    await fresh.close();
    await expect(adapter.getStatus(signed.hash, { details: {} })).rejects.toMatchObject({
      id: 'rpc_failed',
      kind: 'retryable',
      message: expect.stringMatching(/within 5 blocks of the best known head/),
    });
    expect(hidden).toEqual([]);
  });
});
