/**
 * Every token address of chains/networks/*.json pinned against the issuer's published list, so that an edit to
 * the data (a bridged look-alike, a typo, a stale testnet deployment) fails here. The expected values were copied
 * from the sources named beside them (as published by 2026-12); re-check them there before changing one.
 *
 * Sources:
 * - CIRCLE: developers.circle.com/stablecoins/usdc-contract-addresses (mainnet and testnet tables), for EVM,
 *   Solana and Stellar USDC. Circle's testnet USDC is Circle's own deployment on each testnet.
 * - TETHER: tether.to/en/supported-protocols (USD₮ on Ethereum, Tron, Solana, Celo).
 * - USDT0: docs.usdt0.to deployments (Polygon PoS's USD₮ contract, upgraded in place to USDT0 in 2025).
 * - NILE: nileex.io's faucet token, the USDT every Tron Nile integration uses (Tether issues nothing on testnets).
 * - LOCAL: our test peers' own deployments (test/peers).
 */
import { describe, expect, it } from 'vitest';
import { loadNetworks } from './networks.js';

type Pin = { address: string; decimals: number; source: 'CIRCLE' | 'TETHER' | 'USDT0' | 'NILE' | 'LOCAL' };

const expected: Record<string, Record<string, Pin>> = {
  anvil: {},
  ethereum: {
    USDC: { address: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', decimals: 6, source: 'CIRCLE' },
    USDT: { address: '0xdAC17F958D2ee523a2206206994597C13D831ec7', decimals: 6, source: 'TETHER' },
  },
  sepolia: { USDC: { address: '0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238', decimals: 6, source: 'CIRCLE' } },
  // No USDT: Tether publishes no Base deployment; 0xfde4…9bb2 is a bridged token, removed.
  base: { USDC: { address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', decimals: 6, source: 'CIRCLE' } },
  'base-sepolia': {
    USDC: { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', decimals: 6, source: 'CIRCLE' },
  },
  polygon: {
    // Native USDC (not the bridged USDC.e at 0x2791…4174).
    USDC: { address: '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', decimals: 6, source: 'CIRCLE' },
    USDT: { address: '0xc2132D05D31c914a87C6611C10748AEb04B58e8F', decimals: 6, source: 'USDT0' },
  },
  'polygon-amoy': {
    USDC: { address: '0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582', decimals: 6, source: 'CIRCLE' },
  },
  celo: {
    USDC: { address: '0xcebA9300f2b948710d2653dD7B07f33A8B32118C', decimals: 6, source: 'CIRCLE' },
    USDT: { address: '0x48065fbBE25f71C9282ddf5e1cD6D6A887483D5e', decimals: 6, source: 'TETHER' },
  },
  'celo-sepolia': {
    USDC: { address: '0x01C5C0122039549AD1493B8220cABEdD739BC44E', decimals: 6, source: 'CIRCLE' },
  },
  solana: {
    USDC: { address: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', decimals: 6, source: 'CIRCLE' },
    USDT: { address: 'Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB', decimals: 6, source: 'TETHER' },
  },
  'solana-devnet': {
    USDC: { address: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU', decimals: 6, source: 'CIRCLE' },
  },
  'solana-local': {},
  stellar: {
    USDC: {
      address: 'USDC:GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN',
      decimals: 7,
      source: 'CIRCLE',
    },
  },
  'stellar-testnet': {
    USDC: {
      address: 'USDC:GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5',
      decimals: 7,
      source: 'CIRCLE',
    },
  },
  'stellar-local': {
    USDC: {
      address: 'USDC:GDNL7GPEIBAECH2VZEZBUTN3DTKGRXSN6Z5J5NK6I4LLGH3GMV7IR24Z',
      decimals: 7,
      source: 'LOCAL',
    },
  },
  tron: { USDT: { address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', decimals: 6, source: 'TETHER' } },
  'tron-nile': { USDT: { address: 'TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf', decimals: 6, source: 'NILE' } },
  'tron-shasta': {},
  'tron-local': { USDT: { address: 'TCtPAyCRtjk4usvZDu4wTHnDJSwQmxqxLU', decimals: 6, source: 'LOCAL' } },
};

const networks = loadNetworks({});
const withTokens = networks.filter((n) => n.family !== 'bitcoin');

describe('token addresses pinned against the issuers’ lists', () => {
  it('covers every configured network that can hold tokens, and no network that is gone', () => {
    expect(withTokens.map((n) => n.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(withTokens.map((n) => [n.name, n] as const))('%s', (name, network) => {
    const want = Object.fromEntries(
      Object.entries(expected[name] ?? {}).map(([symbol, p]) => [
        symbol,
        { address: p.address, decimals: p.decimals, symbol },
      ]),
    );
    expect(network.tokens).toEqual(want);
  });
});
