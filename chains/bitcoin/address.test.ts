import { readFileSync } from 'node:fs';
import { schnorr } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { address as btcAddress } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../signer/local-key.js';
import { type BitcoinRegtestNode, startBitcoinRegtest } from '../../test/peers/bitcoin-regtest.js';
import { NetworkDirectory } from '../networks.js';
import type { NetworkConfig } from '../types.js';
import { bitcoinjsNetwork, dustThreshold, outputScriptFor } from './address.js';
import { createBitcoinAdapter } from './index.js';
import { bitcoinNetwork, newWallet } from './test-support.js';

// BIP173 test key: the generator point (private key 1).
const G = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';

// A testnet P2SH address (version 0xc4); regtest here uses 0x3a for P2SH.
const TESTNET_P2SH = btcAddress.toBase58Check(new Uint8Array(20).fill(1), 0xc4);

const mainnet = createBitcoinAdapter(bitcoinNetwork('bitcoin'));
const testnet = createBitcoinAdapter(bitcoinNetwork('bitcoin-testnet'));
let node: BitcoinRegtestNode;
let regtest: ReturnType<typeof createBitcoinAdapter>;

beforeAll(async () => {
  node = await startBitcoinRegtest();
  regtest = createBitcoinAdapter(bitcoinNetwork('bitcoin-regtest', { rpcUrl: node.rpcUrl }));
});
afterAll(async () => {
  await node?.stop();
});

describe('addressFromPublicKey (P2WPKH)', () => {
  it('matches the BIP173 vectors on mainnet and testnet', () => {
    expect(mainnet.addressFromPublicKey(G)).toBe('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    expect(testnet.addressFromPublicKey(G)).toBe('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
  });

  it('derives the same regtest address as the node does from a wpkh() descriptor', async () => {
    for (let i = 0; i < 3; i++) {
      const w = newWallet(regtest);
      expect(w.address.startsWith('rltc1q')).toBe(true);
      const { descriptor } = await node.rpc<{ descriptor: string }>('getdescriptorinfo', [`wpkh(${w.publicKey})`]);
      const [derived] = await node.rpc<string[]>('deriveaddresses', [descriptor]);
      expect(w.address).toBe(derived);
    }
  });

  it('refuses uncompressed, malformed and off-curve keys', () => {
    const sk = '11'.repeat(32);
    expect(() => mainnet.addressFromPublicKey(publicKeyOf('secp256k1', sk))).not.toThrow();
    expect(() => mainnet.addressFromPublicKey(`04${'11'.repeat(64)}`)).toThrow();
    expect(() => mainnet.addressFromPublicKey('02abcd')).toThrow();
    expect(() => mainnet.addressFromPublicKey(`02${'ff'.repeat(32)}`)).toThrow(); // x ≥ p
  });
});

describe('validateAddress', () => {
  const valid = [
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', // P2WPKH
    'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', // upper case is valid bech32
    'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', // P2WSH
    'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', // P2TR (BIP86)
    '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', // P2PKH
    '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', // P2SH
  ];
  it.each(valid)('accepts mainnet %s', (a) => {
    expect(mainnet.validateAddress(a)).toBe(true);
  });

  const invalid = [
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', // bad checksum
    'bc1qw508d6qejxtdg4y5r3zarvary0C5xw7kv8f3t4', // mixed case
    'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', // future segwit v2: refused on purpose
    'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', // v1 with bech32 (not bech32m) checksum
    '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', // bad base58 checksum
    '',
    'not an address',
    '0x8ba1f109551bD432803012645Ac136ddd64DBA72', // EVM
  ];
  it.each(invalid)('refuses %j', (a) => {
    expect(mainnet.validateAddress(a)).toBe(false);
  });

  it('refuses a taproot output whose key is not on the curve', () => {
    let x = 5n;
    while (true) {
      try {
        schnorr.utils.lift_x(x);
        x++;
      } catch {
        break;
      }
    }
    const program = Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
    const addr = btcAddress.toBech32(program, 1, 'bc');
    expect(mainnet.validateAddress(addr)).toBe(false);
  });

  it('refuses addresses of other networks', () => {
    expect(regtest.validateAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toBe(false);
    expect(regtest.validateAddress('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx')).toBe(false);
    expect(testnet.validateAddress(TESTNET_P2SH)).toBe(true);
    expect(regtest.validateAddress(TESTNET_P2SH)).toBe(false);
    expect(mainnet.validateAddress(regtest.addressFromPublicKey(G))).toBe(false);
    expect(testnet.validateAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toBe(false);
  });

  it('agrees with the node on regtest addresses it accepts and refuses', async () => {
    const net = bitcoinjsNetwork(regtest.network);
    const samples = [
      newWallet(regtest).address,
      btcAddress.toBase58Check(new Uint8Array(20).fill(7), net.pubKeyHash),
      btcAddress.toBase58Check(new Uint8Array(20).fill(9), net.scriptHash),
      btcAddress.toBech32(new Uint8Array(32).fill(3), 0, net.bech32),
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      // (Not compared: litecoind also accepts Bitcoin's 0xc4 P2SH version as a legacy alias; we follow the config.)
      'rltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5',
    ];
    for (const a of samples) {
      const r = await node.rpc<{ isvalid: boolean; scriptPubKey?: string }>('validateaddress', [a]);
      expect(regtest.validateAddress(a), a).toBe(r.isvalid);
      if (r.isvalid) expect(bytesToHex(outputScriptFor(a, net))).toBe(r.scriptPubKey);
    }
  });
});

describe('network data (chains/networks/bitcoin.json)', () => {
  it('resolves Portal aliases and CAIP-2 ids', () => {
    const all = JSON.parse(
      readFileSync(new URL('../networks/bitcoin.json', import.meta.url), 'utf8'),
    ) as NetworkConfig[];
    const dir = new NetworkDirectory(all);
    expect(dir.resolve('bitcoin-segwit').name).toBe('bitcoin');
    expect(dir.resolve('bitcoin-p2wpkh').name).toBe('bitcoin');
    expect(dir.resolve('bip122:000000000019d6689c085ae165831e93').name).toBe('bitcoin');
    expect(dir.resolve('bitcoin-p2wpkh-testnet').name).toBe('bitcoin-testnet');
    expect(dir.resolve('bitcoin-regtest')).toMatchObject({ dev: true, requiredConfirmations: 3, nativeDecimals: 8 });
    expect(all.every((n) => n.family === 'bitcoin' && Object.keys(n.tokens).length === 0)).toBe(true);
  });

  it('installs the faucet on the dev network only', () => {
    expect(regtest.faucet).toBeTypeOf('function');
    expect(mainnet.faucet).toBeUndefined();
    expect(testnet.faucet).toBeUndefined();
    expect(regtest.resolveToken('NATIVE')).toEqual({ kind: 'native', symbol: 'BTC', decimals: 8 });
    expect(() => regtest.resolveToken('USDT')).toThrow(/not supported/);
  });
});

describe('dust thresholds (Bitcoin Core, 3 sat/vB dust relay fee)', () => {
  const net = bitcoinjsNetwork(bitcoinNetwork('bitcoin'));
  it.each([
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 294n],
    ['bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', 330n],
    ['bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', 330n],
    ['1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 546n],
    ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 540n],
  ])('%s → %d sat', (a, dust) => {
    expect(dustThreshold(outputScriptFor(a, net))).toBe(dust);
  });
});
