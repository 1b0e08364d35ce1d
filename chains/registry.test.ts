import { describe, expect, it } from 'vitest';
import { ChainRegistry } from './registry.js';

describe('chain resolution', () => {
  const registry = new ChainRegistry();

  it.each([
    ['anvil', 'anvil'],
    ['eip155:31337', 'anvil'],
    ['ethereum', 'ethereum'],
    ['ETHEREUM', 'ethereum'],
    ['eip155:1', 'ethereum'],
    ['base-sepolia', 'base-sepolia'],
    ['eip155:84532', 'base-sepolia'],
    ['polygon-amoy', 'polygon-amoy'],
    ['celo-sepolia', 'celo-sepolia'],
    ['eip155:11142220', 'celo-sepolia'],
    ['bitcoin-segwit', 'bitcoin'],
    ['bitcoin-p2wpkh-testnet', 'bitcoin-testnet'],
  ])('%s → %s', (name, canonical) => {
    expect(registry.get(name).network.name).toBe(canonical);
  });

  it.each(['dogecoin', 'eip155:999999', '', 'solana:unknown', 'celo-alfajores', 'eip155:44787'])(
    '%j is chain_unsupported',
    (name) => {
      expect(() => registry.get(name)).toThrow(expect.objectContaining({ id: 'chain_unsupported' }));
    },
  );

  it('takes RPC URLs from RPC_URL_<NAME>', () => {
    const r = new ChainRegistry(undefined);
    expect(r.get('anvil').network.rpcUrl).toBe(process.env.RPC_URL_ANVIL);
  });
});
