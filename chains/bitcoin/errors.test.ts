/**
 * The classifier on the error shapes Bitcoin Core produces (messages as the node words them; the
 * end-to-end test checks the ones a regtest node produces for real).
 */
import { describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { freePort } from '../../scripts/stack/ports.js';
import { classifyBitcoinError } from './errors.js';
import { BitcoinHttpError, BitcoinRpcError, createBitcoinRpc } from './rpc.js';

const send = (code: number, message: string) => new BitcoinRpcError('sendrawtransaction', code, message);

describe('classifyBitcoinError', () => {
  it.each([
    [send(-27, 'Transaction already in block chain'), 'already_known', 'already_done'],
    [send(-26, 'txn-already-in-mempool'), 'already_known', 'already_done'],
    [send(-26, 'txn-mempool-conflict'), 'utxo_conflict', 'terminal'],
    [
      send(-26, 'insufficient fee, rejecting replacement abc; new feerate 0.00001 <= old feerate 0.00001'),
      'utxo_conflict',
      'terminal',
    ],
    [send(-25, 'bad-txns-inputs-missingorspent'), 'utxo_spent', 'terminal'],
    [send(-25, 'Missing inputs'), 'utxo_spent', 'terminal'],
    [send(-26, 'min relay fee not met, 100 < 141'), 'fee_too_low', 'terminal'],
    [send(-26, 'mempool min fee not met, 141 < 500'), 'fee_too_low', 'terminal'],
    [send(-26, 'dust'), 'dust_output', 'terminal'],
    [
      send(-26, 'non-mandatory-script-verify-flag (Signature must be zero for failed CHECK(MULTI)SIG operation)'),
      'invalid_signature',
      'terminal',
    ],
    [
      send(-26, 'mandatory-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)'),
      'invalid_signature',
      'terminal',
    ],
    [send(-26, 'bad-txns-in-belowout, value in (0.01) < value out (0.02)'), 'insufficient_funds', 'terminal'],
    [send(-26, 'absurdly-high-fee'), 'fee_too_high', 'terminal'],
    [send(-25, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)'), 'fee_too_high', 'terminal'],
    [send(-26, 'non-BIP68-final'), 'broadcast_failed', 'retryable'],
    [send(-26, 'too-long-mempool-chain, too many unconfirmed ancestors [limit: 25]'), 'broadcast_failed', 'retryable'],
    [send(-22, 'TX decode failed. Make sure the tx has at least one input.'), 'bad_transaction', 'terminal'],
    [send(-26, 'something new'), 'broadcast_failed', 'terminal'],
    [new BitcoinRpcError('getblockcount', -28, 'Loading block index...'), 'rpc_failed', 'retryable'],
    [
      new BitcoinRpcError('scantxoutset', -8, 'Scan already in progress, use action "abort" or "status"'),
      'rpc_failed',
      'retryable',
    ],
    [
      new BitcoinRpcError('estimatesmartfee', -1, 'no fee estimate available: Insufficient data'),
      'fee_estimate_unavailable',
      'retryable',
    ],
    [new BitcoinRpcError('scantxoutset', -32601, 'Method not found'), 'rpc_failed', 'terminal'],
    [new BitcoinRpcError('getblockheader', -5, 'Block not found'), 'rpc_failed', 'retryable'],
    [new BitcoinHttpError('getblockcount', 401, ''), 'rpc_unauthorized', 'terminal'],
    [new BitcoinHttpError('getblockcount', 503, 'Work queue depth exceeded'), 'rpc_failed', 'retryable'],
    [
      new Error('x', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18443'), { code: 'ECONNREFUSED' }),
      }),
      'rpc_failed',
      'retryable',
    ],
    [new TypeError('Cannot read properties of undefined'), 'INTERNAL_ERROR', 'terminal'],
  ])('%s → %s (%s)', (err, id, kind) => {
    const c = classifyBitcoinError(err);
    expect(c).toBeInstanceOf(BaseError);
    expect({ id: c.id, kind: c.kind }).toEqual({ id, kind });
    expect(c.cause ?? c).toBeDefined();
  });

  it('passes BaseErrors through unchanged', () => {
    const e = new BaseError('x', { id: 'bad_to', kind: 'terminal' });
    expect(classifyBitcoinError(e)).toBe(e);
  });

  it('keeps RPC credentials out of transport error messages', async () => {
    const rpc = createBitcoinRpc(`http://alice:s3cret@127.0.0.1:${await freePort()}/`); // nothing listens
    const err = await rpc.call('getblockcount').catch((e: unknown) => e);
    const c = classifyBitcoinError(err);
    expect(c.id).toBe('rpc_failed');
    expect(`${c.message} ${c.details}`).not.toContain('s3cret');
  });
});
