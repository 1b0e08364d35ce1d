/** The classifier on the error shapes a validator and web3.js produce (the live shapes are covered in solana.test.ts). */
import { SolanaJSONRPCError } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { classifySolanaError } from './errors.js';
import { SolanaHttpError, SolanaRpcError } from './rpc.js';

const preflight = (err: unknown) =>
  new SolanaRpcError('sendTransaction', -32002, 'Transaction simulation failed: …', { err, logs: [] });

describe('classifySolanaError', () => {
  it.each([
    [preflight({ InstructionError: [0, { Custom: 1 }] }), 'insufficient_funds', 'terminal'],
    [preflight({ InstructionError: [1, 'InsufficientFunds'] }), 'insufficient_funds', 'terminal'],
    [preflight({ InsufficientFundsForRent: { account_index: 0 } }), 'insufficient_funds', 'terminal'],
    [preflight('InsufficientFundsForFee'), 'insufficient_funds', 'terminal'],
    [preflight('AccountNotFound'), 'insufficient_funds', 'terminal'],
    [preflight('BlockhashNotFound'), 'blockhash_expired', 'terminal'],
    [preflight('AlreadyProcessed'), 'already_processed', 'already_done'],
    [preflight({ InstructionError: [0, { Custom: 6001 }] }), 'simulation_failed', 'terminal'],
    [
      new SolanaRpcError('sendTransaction', -32003, 'Transaction signature verification failure'),
      'bad_signature',
      'terminal',
    ],
    [new SolanaRpcError('getBlock', -32005, 'Node is behind by 42 slots'), 'rpc_failed', 'retryable'],
    [new SolanaRpcError('getBalance', -32602, 'Invalid param'), 'rpc_failed', 'terminal'],
    [
      new SolanaJSONRPCError({ code: -32005, message: 'Node is unhealthy' }, 'failed to get balance'),
      'rpc_failed',
      'retryable',
    ],
    [new SolanaHttpError('getSlot', 429, 'Too many requests'), 'rpc_failed', 'retryable'],
    [new SolanaHttpError('getSlot', 502, 'Bad gateway'), 'rpc_failed', 'retryable'],
    [new SolanaHttpError('getSlot', 403, 'Forbidden'), 'rpc_failed', 'terminal'],
    [new Error('failed to get balance: 503 Service Unavailable: upstream down'), 'rpc_failed', 'retryable'],
    [
      new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8899') }),
      'rpc_failed',
      'retryable',
    ],
    [new TypeError('cannot read properties of undefined'), 'rpc_failed', 'terminal'],
  ])('%s → %s/%s', (error, id, kind) => {
    const classified = classifySolanaError(error);
    expect(classified).toBeInstanceOf(BaseError);
    expect({ id: classified.id, kind: classified.kind }).toEqual({ id, kind });
  });

  it('passes BaseErrors through', () => {
    const e = new BaseError('x', { id: 'bad_to' });
    expect(classifySolanaError(e)).toBe(e);
  });
});
