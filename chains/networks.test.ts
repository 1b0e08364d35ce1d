import { describe, expect, it } from 'vitest';
import { loadNetworks } from './networks.js';
import { maxHeadLagOf, rpcUrlsOf } from './shared/network-pool.js';

const byName = (env: NodeJS.ProcessEnv, name: string) => loadNetworks(env).find((n) => n.name === name)!;

describe('RPC endpoints from config and env', () => {
  it("a file's single rpcUrl is a one-element list", () => {
    const n = byName({}, 'ethereum');
    expect(n.rpcUrls).toEqual(['https://ethereum-rpc.publicnode.com']);
    expect(rpcUrlsOf(n)).toEqual(n.rpcUrls);
  });

  it('RPC_URLS_<NETWORK> (comma list, spaces and empty items ignored) overrides; rpcUrl is its first', () => {
    const n = byName({ RPC_URLS_BASE_SEPOLIA: ' https://a.example , https://b.example,, ' }, 'base-sepolia');
    expect(n.rpcUrls).toEqual(['https://a.example', 'https://b.example']);
    expect(n.rpcUrl).toBe('https://a.example');
  });

  it('RPC_URL_<NETWORK> is still accepted (one URL), and RPC_URLS_ wins over it', () => {
    expect(byName({ RPC_URL_ANVIL: 'http://127.0.0.1:1' }, 'anvil').rpcUrls).toEqual(['http://127.0.0.1:1']);
    const both = byName({ RPC_URL_ANVIL: 'http://one', RPC_URLS_ANVIL: 'http://a,http://b' }, 'anvil');
    expect(both.rpcUrls).toEqual(['http://a', 'http://b']);
  });

  it('an rpcUrl written over a loaded config stands alone', () => {
    const n = byName({ RPC_URLS_ANVIL: 'http://a,http://b' }, 'anvil');
    expect(rpcUrlsOf({ ...n, rpcUrl: 'http://override' })).toEqual(['http://override']);
    expect(rpcUrlsOf(n)).toEqual(['http://a', 'http://b']);
  });

  it('head-lag tolerance: per-network value, else the family default', () => {
    const eth = byName({}, 'ethereum');
    expect(maxHeadLagOf(eth)).toBe(5);
    expect(maxHeadLagOf({ ...eth, maxHeadLagBlocks: 2 })).toBe(2);
    expect(maxHeadLagOf(byName({}, 'bitcoin'))).toBe(1);
  });

  it('refuses a malformed maxHeadLagBlocks at load', () => {
    expect(() => loadNetworks({}, [{ ...byName({}, 'anvil'), maxHeadLagBlocks: -1 }])).toThrow(/maxHeadLagBlocks/);
  });

  it("nonce window: NONCE_WINDOW_<NETWORK> over the file's maxNonceAhead, unset by default; malformed values stop the load", () => {
    expect(byName({}, 'anvil').maxNonceAhead).toBeUndefined();
    expect(byName({ NONCE_WINDOW_ANVIL: '3' }, 'anvil').maxNonceAhead).toBe(3);
    expect(byName({ NONCE_WINDOW_BASE_SEPOLIA: '0' }, 'base-sepolia').maxNonceAhead).toBe(0);
    const fromFile = loadNetworks({}, [{ ...byName({}, 'anvil'), maxNonceAhead: 4 }]);
    expect(fromFile[0]!.maxNonceAhead).toBe(4);
    expect(loadNetworks({ NONCE_WINDOW_ANVIL: '7' }, fromFile)[0]!.maxNonceAhead).toBe(7);
    expect(() => byName({ NONCE_WINDOW_ANVIL: '-1' }, 'anvil')).toThrow(/NONCE_WINDOW_ANVIL/);
    expect(() => byName({ NONCE_WINDOW_ANVIL: 'lots' }, 'anvil')).toThrow(/NONCE_WINDOW_ANVIL/);
    expect(() => loadNetworks({}, [{ ...byName({}, 'anvil'), maxNonceAhead: 1.5 }])).toThrow(/maxNonceAhead/);
  });

  it('confirmations: REQUIRED_CONFIRMATIONS_<NETWORK> over the file; zero or malformed values stop the load', () => {
    expect(byName({}, 'anvil').requiredConfirmations).toBe(2);
    expect(byName({ REQUIRED_CONFIRMATIONS_ANVIL: '64' }, 'anvil').requiredConfirmations).toBe(64);
    expect(() => byName({ REQUIRED_CONFIRMATIONS_ANVIL: '0' }, 'anvil')).toThrow(/REQUIRED_CONFIRMATIONS_ANVIL/);
    expect(() => byName({ REQUIRED_CONFIRMATIONS_ANVIL: 'deep' }, 'anvil')).toThrow(/REQUIRED_CONFIRMATIONS_ANVIL/);
  });
});
