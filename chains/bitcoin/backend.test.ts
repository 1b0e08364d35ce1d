/** Backend choice per network, env overrides, Esplora's relayed rejections and fee-target choice (no node needed). */
import { describe, expect, it } from 'vitest';
import { loadNetworks } from '../networks.js';
import { ChainRegistry } from '../registry.js';
import { backendKindOf } from './backend.js';
import { classifyBitcoinError, parseRelayedRpcError } from './errors.js';
import { EsploraHttpError } from './esplora.js';
import { estimateFor } from './esplora-backend.js';
import { bitcoinNetwork } from './test-support.js';

describe('bitcoin backend per network', () => {
  it('public networks use Esplora by default (Blockstream, mempool.space); regtest uses Core', () => {
    const byName = Object.fromEntries(loadNetworks({}).map((n) => [n.name, n]));
    expect(byName.bitcoin).toMatchObject({ esploraUrl: 'https://blockstream.info/api' });
    expect(byName['bitcoin-testnet']).toMatchObject({ esploraUrl: 'https://blockstream.info/testnet/api' });
    expect(byName['bitcoin-testnet4']).toMatchObject({
      caip2: 'bip122:00000000da84f2bafbbc53dee25a72ae',
      esploraUrl: 'https://mempool.space/testnet4/api',
    });
    for (const name of ['bitcoin', 'bitcoin-testnet', 'bitcoin-testnet4'])
      expect(backendKindOf(byName[name]!)).toBe('esplora');
    expect(backendKindOf(byName['bitcoin-regtest']!)).toBe('core');
    expect(
      new ChainRegistry(loadNetworks({}))
        .get('bitcoin-testnet4')
        .validateAddress('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'),
    ).toBe(true);
  });

  it('ESPLORA_URL_<NETWORK> and BITCOIN_BACKEND_<NETWORK> override the network file', () => {
    const nets = loadNetworks({
      ESPLORA_URL_BITCOIN: 'https://mempool.space/api',
      ESPLORA_URL_BITCOIN_REGTEST: 'http://127.0.0.1:3002/api',
      BITCOIN_BACKEND_BITCOIN_REGTEST: 'esplora',
    });
    const byName = Object.fromEntries(nets.map((n) => [n.name, n]));
    expect(byName.bitcoin!.esploraUrl).toBe('https://mempool.space/api');
    expect(backendKindOf(byName['bitcoin-regtest']!)).toBe('esplora');
    expect(byName['bitcoin-regtest']!.params).toMatchObject({ bech32: 'rltc', backend: 'esplora' });
  });

  it('refuses Core (a scantxoutset per listing) on a public network, and Esplora without a URL', () => {
    expect(() =>
      backendKindOf(bitcoinNetwork('bitcoin', { params: { ...bitcoinNetwork('bitcoin').params, backend: 'core' } })),
    ).toThrow(/scantxoutset/);
    expect(() => backendKindOf(bitcoinNetwork('bitcoin', { esploraUrl: undefined }))).toThrow(/esploraUrl/);
    expect(() =>
      backendKindOf(
        bitcoinNetwork('bitcoin-regtest', {
          params: { ...bitcoinNetwork('bitcoin-regtest').params, backend: 'electrum' },
        }),
      ),
    ).toThrow(/must be "core" or "esplora"/);
  });
});

describe('Esplora errors through the one bitcoin classifier', () => {
  const posted = (status: number, body: string) => new EsploraHttpError('POST', '/tx', status, body);

  it.each([
    [
      'sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met, 14 < 141"}',
      'fee_too_low',
      'terminal',
    ],
    ['sendrawtransaction RPC error: {"code":-25,"message":"bad-txns-inputs-missingorspent"}', 'utxo_spent', 'terminal'],
    ['sendrawtransaction RPC error: {"code":-26,"message":"txn-mempool-conflict"}', 'utxo_conflict', 'terminal'],
    [
      'sendrawtransaction RPC error: {"code":-27,"message":"Transaction already in block chain"}',
      'already_known',
      'already_done',
    ],
    ['sendrawtransaction RPC error -26: non-final', 'broadcast_failed', 'retryable'],
    ['sendrawtransaction RPC error -22: TX decode failed', 'bad_transaction', 'terminal'],
  ])('POST /tx 400 %s → %s', (body, id, kind) => {
    expect(classifyBitcoinError(posted(400, body))).toMatchObject({ id, kind });
  });

  it('reads both relayed shapes', () => {
    expect(parseRelayedRpcError('sendrawtransaction RPC error: {"code":-26,"message":"dust"}')).toEqual({
      code: -26,
      message: 'dust',
    });
    expect(parseRelayedRpcError('sendrawtransaction RPC error -25: Missing inputs')).toEqual({
      code: -25,
      message: 'Missing inputs',
    });
    expect(parseRelayedRpcError('Request timeout')).toBeUndefined();
  });

  it.each([
    [new EsploraHttpError('GET', '/fee-estimates', 429, 'Too Many Requests'), 'rpc_failed', 'retryable'],
    [new EsploraHttpError('GET', '/blocks/tip/height', 503, 'unavailable'), 'rpc_failed', 'retryable'],
    [posted(503, 'sendrawtransaction RPC error -28: Loading block index…'), 'rpc_failed', 'retryable'],
    [new EsploraHttpError('GET', '/tx/ab/hex', 404, 'Transaction not found'), 'rpc_failed', 'retryable'],
    [new EsploraHttpError('GET', '/nope', 404, 'endpoint does not exist "/nope"'), 'rpc_failed', 'terminal'],
    [new EsploraHttpError('GET', '/address/x/utxo', 400, 'Too many history entries'), 'too_many_utxos', 'terminal'],
    [new EsploraHttpError('GET', '/address/x/utxo', 403, 'forbidden'), 'rpc_unauthorized', 'terminal'],
  ])('%s → %s %s', (err, id, kind) => {
    expect(classifyBitcoinError(err)).toMatchObject({ id, kind });
  });
});

describe('estimateFor', () => {
  const server = { '1': 30, '2': 20, '6': 10, '25': 3, '144': 1.5 };
  it.each([
    [1, 30],
    [6, 10],
    [10, 10], // no entry for 10: the faster 6-block estimate, never a slower, cheaper one
    [1008, 1.5],
  ])('target %i → %d sat/vB', (target, rate) => {
    expect(estimateFor(server, target)).toBe(rate);
  });
  it('no estimates → undefined; a target below every entry takes the fastest', () => {
    expect(estimateFor({}, 6)).toBeUndefined();
    expect(estimateFor({ '2': 5, '6': 3 }, 1)).toBe(5);
  });
});
