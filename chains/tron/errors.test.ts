/**
 * The Tron classifier: node return codes, `{ Error }` bodies, HTTP statuses and network failures.
 */
import { describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { classifyTronError, TronBroadcastRejected } from './errors.js';
import { decodeNodeMessage, TronHttpError, TronNodeError } from './http.js';

const reject = (code: string, message = '') => classifyTronError(new TronBroadcastRejected(code, message, 'ab'));
const short = (e: BaseError) => ({ id: e.id, kind: e.kind });

describe('classifyTronError', () => {
  it('maps broadcast return codes', () => {
    expect(short(reject('DUP_TRANSACTION_ERROR'))).toEqual({ id: 'already_known', kind: 'already_done' });
    expect(short(reject('SIGERROR'))).toEqual({ id: 'invalid_signature', kind: 'terminal' });
    expect(short(reject('TAPOS_ERROR'))).toEqual({ id: 'tx_expired', kind: 'terminal' });
    expect(short(reject('TRANSACTION_EXPIRATION_ERROR'))).toEqual({ id: 'tx_expired', kind: 'terminal' });
    expect(
      short(reject('CONTRACT_VALIDATE_ERROR', 'Validate TransferContract error, balance is not sufficient.')),
    ).toEqual({
      id: 'insufficient_funds',
      kind: 'terminal',
    });
    expect(short(reject('CONTRACT_VALIDATE_ERROR', 'Cannot transfer TRX to yourself.'))).toEqual({
      id: 'bad_to',
      kind: 'terminal',
    });
    expect(short(reject('CONTRACT_VALIDATE_ERROR', 'something else'))).toEqual({
      id: 'contract_validate_error',
      kind: 'terminal',
    });
    expect(short(reject('BANDWITH_ERROR'))).toEqual({ id: 'insufficient_funds', kind: 'terminal' });
    expect(short(reject('SERVER_BUSY'))).toEqual({ id: 'rpc_failed', kind: 'retryable' });
    expect(short(reject('NOT_ENOUGH_EFFECTIVE_CONNECTION'))).toEqual({ id: 'rpc_failed', kind: 'retryable' });
    expect(short(reject('OTHER_ERROR'))).toEqual({ id: 'broadcast_failed', kind: 'retryable' });
  });

  it('maps HTTP, node and network errors', () => {
    expect(short(classifyTronError(new TronHttpError('/wallet/x', 503, 'busy')))).toEqual({
      id: 'rpc_failed',
      kind: 'retryable',
    });
    expect(short(classifyTronError(new TronHttpError('/wallet/x', 429, 'slow down')))).toEqual({
      id: 'rpc_failed',
      kind: 'retryable',
    });
    expect(short(classifyTronError(new TronHttpError('/wallet/x', 404, 'no')))).toEqual({
      id: 'rpc_rejected',
      kind: 'terminal',
    });
    expect(
      short(classifyTronError(new TronNodeError('/wallet/x', 'class java.lang.IllegalArgumentException : bad'))),
    ).toEqual({
      id: 'rpc_rejected',
      kind: 'terminal',
    });
    expect(
      short(classifyTronError(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }))),
    ).toEqual({
      id: 'rpc_failed',
      kind: 'retryable',
    });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(short(classifyTronError(timeout))).toEqual({ id: 'rpc_failed', kind: 'retryable' });
    const already = new BaseError('x', { id: 'bad_to' });
    expect(classifyTronError(already)).toBe(already);
  });

  it('decodes the hex messages java-tron sends', () => {
    expect(decodeNodeMessage(Buffer.from('Dup transaction.').toString('hex'))).toBe('Dup transaction.');
    expect(decodeNodeMessage('plain text')).toBe('plain text');
    expect(decodeNodeMessage(undefined)).toBe('');
  });
});

describe("TronGrid's rate limit with HTTP 200", () => {
  it('an { Error } body saying the frequency limit is exceeded is retryable; other { Error } bodies stay terminal', () => {
    const limited = new TronNodeError(
      '/wallet/getaccount',
      'The key exceeds the frequency limit(15), and the query server is suspended for 30s',
    );
    expect(short(classifyTronError(limited))).toEqual({ id: 'rpc_failed', kind: 'retryable' });
    expect(short(classifyTronError(new TronNodeError('/wallet/x', 'Amount must be greater than 0.')))).toEqual({
      id: 'rpc_rejected',
      kind: 'terminal',
    });
  });
});
