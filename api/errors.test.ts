import { describe, expect, it } from 'vitest';
import { classifyEvmError } from '../chains/evm/errors.js';
import { BaseError } from '../errors/base.js';
import { httpStatusFor } from './errors.js';

describe('HTTP status mapping', () => {
  it.each([
    ['BAD_REQUEST', 400],
    ['bad_to', 400],
    ['chain_unsupported', 400],
    ['insufficient_funds', 400],
    ['estimate_gas_reverted', 400],
    ['UNAUTHORIZED', 401],
    ['INVALID_API_KEY', 401],
    ['NOT_FOUND', 404],
    ['wallet_not_found', 404],
    ['IDEMPOTENCY_CONFLICT', 409],
    ['rpc_failed', 502],
    ['fee_cap_exceeded', 400],
    ['bad_max_fee', 400],
    ['rpc_chain_mismatch', 502],
    ['broadcast_failed', 502],
    ['SERVICE_UNAVAILABLE', 503],
    ['INTERNAL_ERROR', 500],
  ])('%s → %i', (id, status) => {
    expect(httpStatusFor(id)).toBe(status);
  });

  it('maps chain-specific ids by kind', () => {
    expect(httpStatusFor('utxo_conflict', 'terminal')).toBe(400);
    expect(httpStatusFor('some_outage', 'retryable')).toBe(502);
  });
});

describe('EVM error classification', () => {
  it.each([
    ['already known', 'already_known', 'already_done'],
    ['nonce too low: next nonce 5, tx nonce 3', 'nonce_conflict', 'terminal'],
    ['replacement transaction underpriced', 'nonce_conflict', 'terminal'],
    ['insufficient funds for gas * price + value', 'insufficient_funds', 'terminal'],
    ['execution reverted: recipient blocked', 'estimate_gas_reverted', 'terminal'],
    ['max fee per gas less than block base fee', 'fee_too_low', 'terminal'],
    // Bor (Polygon PIP-35); its digits once matched the 5xx rule and made it a retryable rpc_failed.
    [
      'transaction gas price below minimum: gas tip cap 1000000000, minimum needed 25000000000',
      'fee_too_low',
      'terminal',
    ],
    ['fetch failed', 'rpc_failed', 'retryable'],
    ['HTTP request failed. Status: 503', 'rpc_failed', 'retryable'],
    ['429 Too Many Requests', 'rpc_failed', 'retryable'],
  ])('%j → %s (%s)', (message, id, kind) => {
    const err = classifyEvmError(new Error('outer', { cause: new Error(message) }));
    expect(err).toBeInstanceOf(BaseError);
    expect({ id: err.id, kind: err.kind }).toEqual({ id, kind });
  });
});
