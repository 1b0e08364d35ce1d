/**
 * End to end against a real regtest node (litecoind, Bitcoin Core 0.21 family): fund → preflight → select
 * → build → sign → assemble → broadcast → pending → included → final, idempotent rebroadcast, double
 * spends, conflicts, and a reorg — once over the Core RPC backend, once over the Esplora backend (the
 * Esplora test peer on top of the same node; that adapter's Core RPC URL points nowhere, so every read and
 * broadcast goes through Esplora).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { freePort } from '../../scripts/stack/ports.js';
import { signWithPrivateKey } from '../../signer/local-key.js';
import { type BitcoinRegtestNode, startBitcoinRegtest } from '../../test/peers/bitcoin-regtest.js';
import { type EsploraTestPeer, startEsploraTestPeer } from '../../test/peers/esplora/index.js';
import type { ChainAdapter } from '../types.js';
import { bitcoinjsNetwork } from './address.js';
import { createBitcoinAdapter } from './index.js';
import {
  bitcoinNetwork,
  intentFor,
  newWallet,
  prepareTransfer,
  signAndAssemble,
  sumUtxos,
  type TestWallet,
} from './test-support.js';

const COIN = 100_000_000n;

let node: BitcoinRegtestNode;
let peer: EsploraTestPeer;
/** Core RPC adapter: also the faucet (it mines through the node's RPC). */
let core: ChainAdapter;
/** The adapter under test in the current describe block. */
let adapter: ChainAdapter;
let deadRpcUrl: string;

beforeAll(async () => {
  node = await startBitcoinRegtest();
  core = createBitcoinAdapter(bitcoinNetwork('bitcoin-regtest', { rpcUrl: node.rpcUrl }));
  peer = await startEsploraTestPeer({ rpcUrl: node.rpcUrl, network: bitcoinjsNetwork(core.network) });
  deadRpcUrl = `http://u:p@127.0.0.1:${await freePort()}`; // nothing listens there
});

afterAll(async () => {
  await peer?.stop();
  await node?.stop();
});

function esploraAdapter(params: Record<string, unknown> = {}, esploraUrl = peer.url): ChainAdapter {
  const base = bitcoinNetwork('bitcoin-regtest');
  return createBitcoinAdapter({
    ...base,
    rpcUrl: deadRpcUrl,
    esploraUrl,
    params: { ...base.params, backend: 'esplora', ...params },
  });
}

async function funded(amount: bigint): Promise<TestWallet> {
  const w = newWallet(adapter);
  await core.faucet!(w.address, amount.toString());
  return w;
}

/** What the node itself says the address holds (scantxoutset, confirmed outputs). */
async function nodeBalance(address: string): Promise<bigint> {
  const r = await node.rpc<{ total_amount: number }>('scantxoutset', ['start', [`addr(${address})`]]);
  return BigInt(Math.round(r.total_amount * 1e8));
}

async function expectRejected(p: Promise<unknown>): Promise<BaseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BaseError);
  return err as BaseError;
}

/** The cases both backends must pass. */
function sharedCases(): void {
  it('faucet pays the exact amount, confirmed and spendable', async () => {
    const w = newWallet(adapter);
    const { hash } = await core.faucet!(w.address, '123456789');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const utxos = await adapter.listUtxos!(w.address);
    expect(utxos).toHaveLength(1);
    expect(utxos[0]).toMatchObject({ txid: hash, value: '123456789', confirmations: 1 });
    expect(await nodeBalance(w.address)).toBe(123456789n);
  });

  it('transfers end to end: pending → included → final, balances match the node', async () => {
    const sender = await funded(COIN);
    const recipient = newWallet(adapter);
    const amount = 30_000_000n;

    const intent = intentFor(adapter, sender, recipient.address, amount);
    const preflight = await adapter.preflight(intent);
    expect(preflight.errors).toEqual([]);
    expect(preflight.context.feeRateSatVb).toBe(1);
    expect(BigInt(preflight.totalSpent)).toBe(amount + BigInt(preflight.fee));

    const available = await adapter.listUtxos!(sender.address);
    const inputs = adapter.selectUtxos!(intent, preflight, available);
    expect(inputs).toHaveLength(1);
    const unsigned = await adapter.build(intent, preflight, { utxos: inputs });
    // Deterministic: building again gives the same bytes and digests.
    expect(await adapter.build(intent, preflight, { utxos: inputs })).toEqual(unsigned);
    expect(unsigned.payloads).toHaveLength(1);
    expect(unsigned.payloads[0]!.curve).toBe('secp256k1');
    const signed = signAndAssemble(adapter, sender, unsigned);
    expect(signed.hash).toBe(unsigned.details.txid);

    // The node agrees the transaction is valid and has the size and fee we planned.
    const [accept] = await node.rpc<{ allowed: boolean; vsize: number; fees: { base: number } }[]>(
      'testmempoolaccept',
      [[signed.raw]],
    );
    expect(accept?.allowed).toBe(true);
    expect(accept!.vsize).toBeLessThanOrEqual(unsigned.details.vsize as number);
    expect(BigInt(Math.round(accept!.fees.base * 1e8))).toBe(BigInt(unsigned.details.fee as string));
    const decoded = await node.rpc<{ version: number; vin: { sequence: number }[]; vout: unknown[] }>(
      'decoderawtransaction',
      [signed.raw],
    );
    expect(decoded.version).toBe(2);
    expect(decoded.vin.every((i) => i.sequence === 0xfffffffd)).toBe(true);
    expect(decoded.vout).toHaveLength(2); // recipient + change

    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toEqual({ state: 'not_found' });
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: false });
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toEqual({ state: 'pending' });
    // The spent input is no longer offered, although the confirmed UTXO set still holds it.
    expect(await adapter.listUtxos!(sender.address)).toEqual([]);

    const [block1] = await node.mine(1);
    const s1 = await adapter.getStatus(signed.hash, { details: unsigned.details });
    expect(s1).toMatchObject({ state: 'included', blockHash: block1, confirmations: 1, final: false });
    await node.mine(1);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({
      confirmations: 2,
      final: false,
    });
    await node.mine(1);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({
      state: 'included',
      confirmations: 3,
      final: true,
    });

    const fee = BigInt(unsigned.details.fee as string);
    expect(await nodeBalance(recipient.address)).toBe(amount);
    expect(await nodeBalance(sender.address)).toBe(COIN - amount - fee);
    expect(sumUtxos(await adapter.listUtxos!(sender.address))).toBe(COIN - amount - fee);

    // A rebroadcast after it was mined is still success.
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
  });

  it('a double spend of an already spent input is terminal utxo_spent, and the loser is expired', async () => {
    const sender = await funded(COIN);
    const a = newWallet(adapter);
    const b = newWallet(adapter);
    const original = await adapter.listUtxos!(sender.address);

    const first = await prepareTransfer(adapter, sender, a.address, 10_000_000n);
    // Same input, different recipient: a conflicting transaction built before the first is mined.
    const second = await prepareTransfer(adapter, sender, b.address, 20_000_000n, { utxos: original });
    expect(second.inputs).toEqual(first.inputs);
    expect(second.signed.hash).not.toBe(first.signed.hash);

    await adapter.broadcast(first.signed);
    // While the first is unconfirmed: a conflict in the mempool (same fee rate, so no BIP125 replacement).
    const conflict = await expectRejected(adapter.broadcast(second.signed));
    expect(conflict).toMatchObject({ id: 'utxo_conflict', kind: 'terminal' });
    expect(adapter.classify(conflict)).toBe(conflict);

    await node.mine(1);
    const spent = await expectRejected(adapter.broadcast(second.signed));
    expect(spent).toMatchObject({ id: 'utxo_spent', kind: 'terminal' });
    expect(await adapter.getStatus(second.signed.hash, { details: second.unsigned.details })).toMatchObject({
      state: 'expired',
    });
    expect(await adapter.getStatus(first.signed.hash, { details: first.unsigned.details })).toMatchObject({
      state: 'included',
      confirmations: 1,
    });
  });

  it('a reorg puts an included transaction back to pending; it becomes final again', async () => {
    const sender = await funded(COIN);
    const recipient = newWallet(adapter);
    const { signed, unsigned } = await prepareTransfer(adapter, sender, recipient.address, 5_000_000n);
    await adapter.broadcast(signed);
    const [blockHash] = await node.mine(1);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({
      state: 'included',
      blockHash,
    });

    await node.rpc('invalidateblock', [blockHash]);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toEqual({ state: 'pending' });

    await node.rpc('reconsiderblock', [blockHash]);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({
      state: 'included',
      blockHash,
      confirmations: 1,
      final: false,
    });
    await node.mine(2);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({
      state: 'included',
      confirmations: 3,
      final: true,
    });
  });

  it('a reorg onto a different block re-includes the transaction there', async () => {
    const sender = await funded(COIN);
    const recipient = newWallet(adapter);
    const { signed, unsigned } = await prepareTransfer(adapter, sender, recipient.address, 7_000_000n);
    await adapter.broadcast(signed);
    const [stale] = await node.mine(1);
    await node.rpc('invalidateblock', [stale]);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toEqual({ state: 'pending' });
    // A competing branch (mined to another address so its blocks differ): the tx is mined again from the mempool.
    const [fresh] = await node.mine(3, newWallet(adapter).address);
    expect(fresh).not.toBe(stale);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({
      state: 'included',
      blockHash: fresh,
      confirmations: 3,
      final: true,
    });
  });

  it('spends several inputs with change, and a bad signature is refused before broadcast', async () => {
    const sender = newWallet(adapter);
    for (const v of [40_000_000n, 30_000_000n, 20_000_000n]) await core.faucet!(sender.address, v.toString());
    const recipient = newWallet(adapter);
    const { signed, unsigned, inputs } = await prepareTransfer(adapter, sender, recipient.address, 65_000_000n);
    expect(inputs.map((u) => u.value)).toEqual(['40000000', '30000000']);
    expect(unsigned.payloads).toHaveLength(2);
    await adapter.broadcast(signed);
    await node.mine(1);
    expect(await nodeBalance(recipient.address)).toBe(65_000_000n);
    expect(await nodeBalance(sender.address)).toBe(90_000_000n - 65_000_000n - BigInt(unsigned.details.fee as string));

    // Signatures from another key never reach the node.
    const other = newWallet(adapter);
    const next = await prepareTransfer(adapter, sender, recipient.address, 1_000_000n);
    expect(() => signAndAssemble(adapter, other, next.unsigned)).toThrow(/does not verify/);
  });

  it('preflight reports user errors without throwing', async () => {
    const sender = await funded(10_000_000n);
    const ok = newWallet(adapter).address;

    const poor = await adapter.preflight(intentFor(adapter, sender, ok, 10_000_000n));
    expect(poor.errors.map((e) => e.id)).toEqual(['insufficient_funds']);

    const dust = await adapter.preflight(intentFor(adapter, sender, ok, 200n));
    expect(dust.errors.map((e) => e.id)).toEqual(['bad_amount']);

    const mainnetAddr = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
    const wrongNet = await adapter.preflight(intentFor(adapter, sender, mainnetAddr, 1_000_000n));
    expect(wrongNet.errors.map((e) => e.id)).toEqual(['bad_to']);

    const fine = await adapter.preflight(intentFor(adapter, sender, ok, 9_000_000n));
    expect(fine.errors).toEqual([]);
    expect(Number(fine.fee)).toBeGreaterThanOrEqual(110); // ≥ 1 sat/vB × ~110 vB
  });
}

describe('bitcoin adapter on a regtest node, Core RPC backend', () => {
  beforeAll(() => {
    adapter = core;
  });
  sharedCases();

  it('serves concurrent faucet requests one after another, each exact', async () => {
    const wallets = [newWallet(adapter), newWallet(adapter), newWallet(adapter)];
    const results = await Promise.all(wallets.map((w, i) => adapter.faucet!(w.address, String(1_000_000 * (i + 1)))));
    expect(new Set(results.map((r) => r.hash)).size).toBe(3);
    for (const [i, w] of wallets.entries()) expect(await nodeBalance(w.address)).toBe(BigInt(1_000_000 * (i + 1)));
  });

  it('honours a configured fee rate and accepts high-s signatures by normalizing them', async () => {
    const pricey = createBitcoinAdapter(
      bitcoinNetwork('bitcoin-regtest', {
        rpcUrl: node.rpcUrl,
        params: { ...bitcoinNetwork('bitcoin-regtest').params, feeRateSatVb: 7.5 },
      }),
    );
    const sender = await funded(COIN);
    const intent = intentFor(pricey, sender, newWallet(pricey).address, 2_000_000n);
    const preflight = await pricey.preflight(intent);
    expect(preflight.context).toMatchObject({ feeRateSatVb: 7.5, feeRateSource: 'config' });
    const inputs = pricey.selectUtxos!(intent, preflight, await pricey.listUtxos!(sender.address));
    const unsigned = await pricey.build(intent, preflight, { utxos: inputs });
    const sigs = unsigned.payloads.map((p) => {
      const sig = signWithPrivateKey('secp256k1', sender.privateKey, p.payload);
      const s = BigInt(`0x${sig.signature.slice(64)}`);
      const highS = (secp256k1.Point.CURVE().n - s).toString(16).padStart(64, '0');
      return { ...sig, signature: sig.signature.slice(0, 64) + highS };
    });
    const signed = pricey.assemble(unsigned, sigs);
    await pricey.broadcast(signed);
    const entry = await node.rpc<{ vsize: number; fees: { base: number } }>('getmempoolentry', [signed.hash]);
    const paid = Math.round(entry.fees.base * 1e8);
    expect(paid / entry.vsize).toBeGreaterThanOrEqual(7.5);
    expect(BigInt(paid)).toBe(BigInt(unsigned.details.fee as string));
  });

  it('fee caps: a rate above the network cap is lowered to it and relays; a cap below relay minimum and a short maxFee are refused', async () => {
    const regtest = bitcoinNetwork('bitcoin-regtest');
    const pricey = (feeCaps: Record<string, string>) =>
      createBitcoinAdapter({
        ...regtest,
        rpcUrl: node.rpcUrl,
        params: { ...regtest.params, feeRateSatVb: 40 },
        feeCaps,
      });
    const capped = pricey({ maxFeeRateSatVb: '12.5' });
    const sender = await funded(COIN);
    const intent = intentFor(capped, sender, newWallet(capped).address, 2_000_000n);
    const preflight = await capped.preflight(intent);
    expect(preflight.errors).toEqual([]);
    expect(preflight.context).toMatchObject({ feeRateSatVb: 12.5 });
    expect(preflight.warnings.map((w) => w.id)).toContain('fee_rate_capped');
    const inputs = capped.selectUtxos!(intent, preflight, await capped.listUtxos!(sender.address));
    const unsigned = await capped.build(intent, preflight, { utxos: inputs });
    const signed = signAndAssemble(capped, sender, unsigned);
    await capped.broadcast(signed);
    const entry = await node.rpc<{ vsize: number; fees: { base: number } }>('getmempoolentry', [signed.hash]);
    const paid = Math.round(entry.fees.base * 1e8);
    expect(paid / entry.vsize).toBeGreaterThanOrEqual(12.5);
    expect(paid / entry.vsize).toBeLessThan(13);

    const belowRelay = await pricey({ maxFeeRateSatVb: '0.5' }).preflight(intent);
    expect(belowRelay.errors.map((e) => e.id)).toEqual(['fee_cap_exceeded']);

    const sender2 = await funded(COIN);
    const plain = intentFor(adapter, sender2, newWallet(adapter).address, 2_000_000n);
    const estimate = await adapter.preflight(plain);
    const tooLow = await adapter.preflight({ ...plain, maxFee: (BigInt(estimate.fee) - 1n).toString() });
    expect(tooLow.errors).toEqual([{ id: 'fee_cap_exceeded', message: expect.stringContaining('maxFee') }]);
    // Build checks again with the inputs actually reserved: nothing to sign above maxFee.
    const utxos = adapter.selectUtxos!(plain, estimate, await adapter.listUtxos!(sender2.address));
    await expect(adapter.build({ ...plain, maxFee: '1' }, estimate, { utxos })).rejects.toMatchObject({
      id: 'fee_cap_exceeded',
      kind: 'terminal',
    });
    const exact = await adapter.preflight({ ...plain, maxFee: estimate.fee });
    expect(exact.errors).toEqual([]);
  });

  it('classifies an unreachable node as retryable', async () => {
    const closedPort = await freePort(); // nothing listens there
    const dead = createBitcoinAdapter(
      bitcoinNetwork('bitcoin-regtest', { rpcUrl: `http://u:p@127.0.0.1:${closedPort}` }),
    );
    const err = await expectRejected(dead.getStatus('00'.repeat(32), { details: {} }));
    expect(err).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    expect(err.message).not.toContain('u:p');
  });

  it('classifies wrong RPC credentials as terminal rpc_unauthorized', async () => {
    const wrong = createBitcoinAdapter(
      bitcoinNetwork('bitcoin-regtest', { rpcUrl: `http://u:wrong@127.0.0.1:${node.port}` }),
    );
    const err = await expectRejected(wrong.listUtxos!(newWallet(adapter).address));
    expect(err).toMatchObject({ id: 'rpc_unauthorized', kind: 'terminal' });
  });
});

describe('bitcoin adapter on a regtest node, Esplora backend (test peer)', () => {
  beforeAll(() => {
    adapter = esploraAdapter();
  });
  sharedCases();

  it('answers with Esplora shapes and text errors, as electrs does', async () => {
    const get = async (path: string) => {
      const res = await fetch(peer.url + path);
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    const unknown = 'ab'.repeat(32);
    // An unknown transaction is "unconfirmed" to /status: only /hex tells it apart from a mempool one.
    expect(await get(`/tx/${unknown}/status`)).toMatchObject({ status: 200, body: '{"confirmed":false}' });
    expect(await get(`/tx/${unknown}/hex`)).toEqual({ status: 404, type: 'text/plain', body: 'Transaction not found' });
    expect(await get(`/tx/${unknown}/outspend/0`)).toMatchObject({ status: 200, body: '{"spent":false}' });
    const estimates = JSON.parse((await get('/fee-estimates')).body) as Record<string, number>;
    for (const [target, rate] of Object.entries(estimates)) {
      expect([2, 3, 4, 5, 6, 10, 20, 25, 144, 504, 1008]).toContain(Number(target));
      expect(rate).toBeGreaterThanOrEqual(1); // sat/vB
    }
    const height = Number((await get('/blocks/tip/height')).body);
    expect(await get(`/block-height/${height + 1000}`)).toMatchObject({ status: 404, body: 'Block not found' });
    expect(await get('/mempool/recent')).toMatchObject({
      status: 404,
      body: 'endpoint does not exist "/mempool/recent"',
    });
    const bad = await fetch(`${peer.url}/tx`, { method: 'POST', body: '00' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^sendrawtransaction RPC error: \{"code":-22,"message":"TX decode failed.*"\}$/);

    const w = await funded(1_000_000n);
    const [utxo] = JSON.parse((await get(`/address/${w.address}/utxo`)).body);
    expect(utxo).toMatchObject({ vout: expect.any(Number), value: 1_000_000, status: { confirmed: true } });
    expect(Object.keys(utxo.status).sort()).toEqual(['block_hash', 'block_height', 'block_time', 'confirmed']);
    const tx = JSON.parse((await get(`/tx/${utxo.txid}`)).body);
    expect(tx.vin[0]).toMatchObject({ is_coinbase: false, prevout: { scriptpubkey_type: 'v0_p2wpkh' } });
    expect(tx.vout[utxo.vout]).toMatchObject({ scriptpubkey_address: w.address, value: 1_000_000 });
    expect(tx.fee).toBeGreaterThan(0);
  });

  it('lists no unconfirmed output, and none that a mempool transaction spends', async () => {
    const sender = await funded(COIN);
    const recipient = newWallet(adapter);
    const { signed } = await prepareTransfer(adapter, sender, recipient.address, 10_000_000n);
    await adapter.broadcast(signed);
    const listed = JSON.parse(await (await fetch(`${peer.url}/address/${recipient.address}/utxo`)).text());
    expect(listed).toEqual([{ txid: signed.hash, vout: 0, status: { confirmed: false }, value: 10_000_000 }]);
    expect(await adapter.listUtxos!(recipient.address)).toEqual([]);
    expect(await adapter.listUtxos!(sender.address)).toEqual([]);
    await node.mine(1);
    expect(await adapter.listUtxos!(recipient.address)).toMatchObject([{ txid: signed.hash, value: '10000000' }]);
  });

  it('never offers immature coinbase outputs', async () => {
    const miner = newWallet(adapter);
    await node.mine(2, miner.address);
    expect(await adapter.listUtxos!(miner.address)).toEqual([]);
    expect(await core.listUtxos!(miner.address)).toEqual([]);
  });

  it('classifies rate limits and outages as retryable, refusals as terminal', async () => {
    peer.answerNext(/^\/fee-estimates$/, 429, 'Too Many Requests');
    const w = newWallet(adapter);
    const intent = intentFor(adapter, w, newWallet(adapter).address, 1_000_000n);
    expect(await expectRejected(adapter.preflight(intent))).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    peer.answerNext(/\/utxo$/, 503, 'esplora test peer: node unavailable');
    expect(await expectRejected(adapter.listUtxos!(w.address))).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    peer.answerNext(/\/utxo$/, 400, 'Too many unspent transaction outputs (>500). Contact support to raise limits.');
    expect(await expectRejected(adapter.listUtxos!(w.address))).toMatchObject({
      id: 'too_many_utxos',
      kind: 'terminal',
    });

    const nowhere = esploraAdapter({}, `http://127.0.0.1:${await freePort()}/api`);
    const down = await expectRejected(nowhere.getStatus('00'.repeat(32), { details: {} }));
    expect(down).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
  });

  it('reads the fee rate from /fee-estimates for the configured target', async () => {
    const w = await funded(COIN);
    const to = newWallet(adapter).address;
    const rateOf = async (a: ChainAdapter) => (await a.preflight(intentFor(a, w, to, 1_000_000n))).context;
    const server = { '2': 9.5, '6': 4.25, '144': 1.1 };
    peer.answerNext(/^\/fee-estimates$/, 200, server);
    expect(await rateOf(esploraAdapter({ feeConfTarget: 6 }))).toMatchObject({
      feeRateSatVb: 4.25,
      feeRateSource: 'fee-estimates',
    });
    // No entry for 30 blocks: the nearest faster target (6) — never a slower, cheaper one.
    peer.answerNext(/^\/fee-estimates$/, 200, server);
    expect(await rateOf(esploraAdapter({ feeConfTarget: 30 }))).toMatchObject({ feeRateSatVb: 4.25 });
    expect(await rateOf(esploraAdapter({ feeRateSatVb: 3 }))).toMatchObject({
      feeRateSatVb: 3,
      feeRateSource: 'config',
    });
    // A fresh server has no estimates: the network's fallback, or a retryable error without one.
    peer.answerNext(/^\/fee-estimates$/, 200, {});
    expect(await rateOf(adapter)).toMatchObject({ feeRateSatVb: 1, feeRateSource: 'fallback' });
    peer.answerNext(/^\/fee-estimates$/, 200, {});
    const noFallback = esploraAdapter({ fallbackFeeRateSatVb: undefined });
    const err = await expectRejected(noFallback.preflight(intentFor(noFallback, w, to, 1_000_000n)));
    expect(err).toMatchObject({ id: 'fee_estimate_unavailable', kind: 'retryable' });
  });
});
