/** classify(): real SDK and Horizon failures (from the test peer) and hand-made problem documents. */
import { Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { type StellarTestPeer, startStellarTestPeer } from '../../test/peers/stellar/index.js';
import { classifyStellarError, fromResultCodes } from './errors.js';
import { HorizonClient, HorizonError } from './horizon.js';
import { decodeResultXdr } from './result-codes.js';

let peer: StellarTestPeer;
beforeAll(async () => {
  peer = await startStellarTestPeer({ ledgerMs: 100 });
});
afterAll(async () => {
  await peer?.stop();
});

describe('stellar classify', () => {
  it('maps transaction codes to stable ids and kinds', () => {
    const cases: Array<[string, string, string]> = [
      ['tx_bad_seq', 'bad_sequence', 'terminal'],
      ['tx_insufficient_balance', 'insufficient_funds', 'terminal'],
      ['tx_no_source_account', 'insufficient_funds', 'terminal'],
      ['tx_too_late', 'tx_expired', 'terminal'],
      ['tx_too_early', 'tx_too_early', 'retryable'],
      ['tx_bad_auth', 'bad_signature', 'terminal'],
      ['tx_bad_auth_extra', 'bad_signature', 'terminal'],
      ['tx_insufficient_fee', 'fee_too_low', 'terminal'],
      ['tx_internal_error', 'rpc_failed', 'retryable'],
      ['tx_something_new', 'broadcast_failed', 'terminal'],
    ];
    for (const [code, id, kind] of cases) {
      expect(fromResultCodes({ transaction: code }), code).toMatchObject({ id, kind });
    }
    const op = (o: string) => fromResultCodes({ transaction: 'tx_failed', operations: [o] });
    expect(op('op_underfunded')).toMatchObject({ id: 'insufficient_funds', kind: 'terminal' });
    expect(op('op_no_destination')).toMatchObject({ id: 'destination_missing' });
    expect(op('op_no_trust')).toMatchObject({ id: 'destination_no_trustline' });
    expect(op('op_line_full')).toMatchObject({ id: 'destination_line_full' });
    expect(op('op_low_reserve')).toMatchObject({ id: 'low_reserve' });
    expect(op('op_weird')).toMatchObject({ id: 'tx_failed', kind: 'terminal' });
  });

  it('maps HTTP statuses: 504/5xx/429 retryable, other 4xx terminal', () => {
    const h = (status: number, problem?: object) => new HorizonError(status, problem, 'POST', '/transactions');
    expect(classifyStellarError(h(504, { type: 'https://stellar.org/horizon-errors/timeout' }))).toMatchObject({
      id: 'rpc_failed',
      kind: 'retryable',
    });
    expect(classifyStellarError(h(503))).toMatchObject({ kind: 'retryable' });
    expect(classifyStellarError(h(429))).toMatchObject({ kind: 'retryable' });
    expect(
      classifyStellarError(h(400, { type: 'https://stellar.org/horizon-errors/transaction_malformed' })),
    ).toMatchObject({ id: 'broadcast_failed', kind: 'terminal' });
    expect(classifyStellarError(h(400, { extras: { result_codes: { transaction: 'tx_bad_seq' } } }))).toMatchObject({
      id: 'bad_sequence',
    });
    const base = new BaseError('x', { id: 'bad_to', kind: 'terminal' });
    expect(classifyStellarError(base)).toBe(base);
  });

  it('classifies the SDK’s own errors (Horizon.Server) and network failures', async () => {
    const server = new Horizon.Server(peer.horizonUrl, { allowHttp: true });
    const kp = Keypair.random();
    const notFound = await server.loadAccount(kp.publicKey()).catch((e: unknown) => e);
    expect(classifyStellarError(notFound)).toMatchObject({ id: 'rpc_failed', kind: 'terminal' });

    peer.fund(kp.publicKey(), 10);
    const acc = await server.loadAccount(kp.publicKey());
    acc.incrementSequenceNumber();
    const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: peer.passphrase })
      .addOperation(Operation.payment({ destination: kp.publicKey(), asset: Asset.native(), amount: '1' }))
      .setTimeout(30)
      .build();
    tx.sign(kp);
    const badSeq = await server.submitTransaction(tx, { skipMemoRequiredCheck: true }).catch((e: unknown) => e);
    expect(classifyStellarError(badSeq)).toMatchObject({ id: 'bad_sequence', kind: 'terminal' });

    const unreachable = await new HorizonClient('http://127.0.0.1:9').feeStats().catch((e: unknown) => e);
    expect(classifyStellarError(unreachable)).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    expect(classifyStellarError(new Error('XDR Read Error: unknown union switch'))).toMatchObject({
      id: 'broadcast_failed',
      kind: 'terminal',
    });
  });

  it('decodes result XDR into Horizon codes', () => {
    expect(decodeResultXdr('AAAAAAAAAGT////7AAAAAA==')).toEqual({ transaction: 'tx_bad_seq' });
    expect(decodeResultXdr('AAAAAAAAAGT/////AAAAAQAAAAAAAAAB/////gAAAAA=')).toEqual({
      transaction: 'tx_failed',
      operations: ['op_underfunded'],
    });
  });
});
