/**
 * Coin listing when `scantxoutset` never answers in time (a mainnet-sized UTXO set; here a proxy in front of a real
 * regtest node holds every scantxoutset answer): the scan path cannot list coins, the watch-only wallet path lists
 * them from the node's wallet and the transfer goes through, to a confirmed block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { type BitcoinRegtestNode, startBitcoinRegtest } from '../../test/peers/bitcoin-regtest.js';
import { type HttpProxy, startHttpProxy } from '../../test/support/http-proxy.js';
import type { ChainAdapter } from '../types.js';
import { createBitcoinAdapter } from './index.js';
import { bitcoinNetwork, newWallet, prepareTransfer } from './test-support.js';

let node: BitcoinRegtestNode;
let proxy: HttpProxy;
let faucet: ChainAdapter;
let proxiedUrl: string;
let scans = 0;

beforeAll(async () => {
  node = await startBitcoinRegtest({ wallet: true });
  faucet = createBitcoinAdapter(bitcoinNetwork('bitcoin-regtest', { rpcUrl: node.rpcUrl }));
  proxy = await startHttpProxy(node.rpcUrl.replace(/\/\/[^@]*@/, '//'));
  proxy.setRule((call) => {
    if (call.body.method !== 'scantxoutset') return undefined;
    scans++;
    return { kind: 'forward-hold' };
  });
  const creds = new URL(node.rpcUrl);
  proxiedUrl = proxy.url.replace('//', `//${creds.username}:${creds.password}@`);
});

afterAll(async () => {
  await proxy?.close();
  await node?.stop();
});

const adapterWith = (params: Record<string, unknown>) => {
  const base = bitcoinNetwork('bitcoin-regtest', { rpcUrl: proxiedUrl });
  return createBitcoinAdapter({ ...base, params: { ...base.params, ...params } });
};

describe('bitcoin coin listing behind a node whose scantxoutset never answers in time', () => {
  it('the scan path gives up at its bound (retryable), never inside an unbounded wait', async () => {
    const scanning = adapterWith({ scanTimeoutMs: 1_000 });
    const w = newWallet(scanning);
    const err = await scanning.listUtxos!(w.address).then(
      () => undefined,
      (e: unknown) => scanning.classify(e),
    );
    expect(err).toBeInstanceOf(BaseError);
    expect(err?.kind).toBe('retryable');
    expect(scans).toBeGreaterThan(0);
  });

  it('the watch-only wallet path lists the coins without a scan and the transfer confirms', async () => {
    const watched = adapterWith({ coinListing: 'watch-wallet' });
    const sender = newWallet(watched);
    await faucet.faucet!(sender.address, '100000000');
    const before = scans;
    const coins = await watched.listUtxos!(sender.address);
    expect(coins.map((c) => c.value)).toEqual(['100000000']);
    const recipient = newWallet(watched);
    const { signed, unsigned } = await prepareTransfer(watched, sender, recipient.address, 25_000_000n);
    await watched.broadcast(signed);
    // Spent in the mempool: no longer listed (the wallet and the node's UTXO view agree).
    expect(await watched.listUtxos!(sender.address)).toEqual([]);
    await node.mine(1);
    expect(await watched.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({ state: 'included' });
    const change = await watched.listUtxos!(sender.address);
    expect(change).toHaveLength(1);
    expect(BigInt(change[0]!.value)).toBe(75_000_000n - BigInt(unsigned.details.fee as string));
    expect(await watched.listUtxos!(recipient.address)).toMatchObject([{ value: '25000000' }]);
    expect(scans).toBe(before);
  });
});
