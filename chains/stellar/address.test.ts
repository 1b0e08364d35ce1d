import { readFileSync } from 'node:fs';
import { Keypair } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf } from '../../signer/local-key.js';
import type { NetworkConfig } from '../types.js';
import { isStellarAddress, publicKeyFromStellarAddress, stellarAddressFromPublicKey } from './address.js';
import { resolveStellarToken } from './assets.js';

const networks = JSON.parse(
  readFileSync(new URL('../networks/stellar.json', import.meta.url), 'utf8'),
) as NetworkConfig[];
const pubnet = networks.find((n) => n.name === 'stellar') as NetworkConfig;

describe('stellar addresses', () => {
  it('accepts G… account ids and rejects everything else', () => {
    const kp = Keypair.random();
    expect(isStellarAddress(kp.publicKey())).toBe(true);
    expect(isStellarAddress('GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN')).toBe(true);
    expect(isStellarAddress(kp.secret())).toBe(false); // S… secret seed
    expect(isStellarAddress(kp.publicKey().toLowerCase())).toBe(false);
    expect(isStellarAddress(`${kp.publicKey().slice(0, 55)}A`)).toBe(false); // checksum
    expect(isStellarAddress('0x52908400098527886E0F7030069857D2E4169EE7')).toBe(false);
    expect(isStellarAddress('')).toBe(false);
    expect(isStellarAddress(undefined as unknown as string)).toBe(false);
  });

  it('derives the account id from a local ed25519 key exactly as the SDK does', () => {
    const sk = generatePrivateKey('ed25519');
    const pk = publicKeyOf('ed25519', sk);
    const address = stellarAddressFromPublicKey(pk);
    expect(address).toBe(Keypair.fromRawEd25519Seed(Buffer.from(sk, 'hex')).publicKey());
    expect(stellarAddressFromPublicKey(`0x${pk}`)).toBe(address);
    expect(publicKeyFromStellarAddress(address)).toBe(pk);
    expect(() => stellarAddressFromPublicKey(`02${pk}`)).toThrow(/32 bytes/);
  });
});

describe('stellar tokens', () => {
  it('resolves native, configured symbols and CODE:ISSUER', () => {
    expect(resolveStellarToken(pubnet, 'XLM')).toEqual({ kind: 'native', symbol: 'XLM', decimals: 7 });
    expect(resolveStellarToken(pubnet, 'native').kind).toBe('native');
    expect(resolveStellarToken(pubnet, 'usdc')).toEqual({
      kind: 'token',
      address: 'USDC:GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN',
      decimals: 7,
      symbol: 'USDC',
    });
    const issuer = Keypair.random().publicKey();
    expect(resolveStellarToken(pubnet, `EURT:${issuer}`)).toEqual({
      kind: 'token',
      address: `EURT:${issuer}`,
      decimals: 7,
      symbol: 'EURT',
    });
    for (const bad of ['DOGE', `TOOLONGCODE123:${issuer}`, 'USDC:GNOTANISSUER', `USDC:${issuer}:x`]) {
      expect(() => resolveStellarToken(pubnet, bad)).toThrow(expect.objectContaining({ id: 'token_unsupported' }));
    }
  });

  it('network data has the three stellar networks with passphrases', () => {
    expect(networks.map((n) => [n.name, n.caip2])).toEqual([
      ['stellar', 'stellar:pubnet'],
      ['stellar-testnet', 'stellar:testnet'],
      ['stellar-local', 'stellar:local'],
    ]);
    for (const n of networks) {
      expect(typeof n.params?.passphrase).toBe('string');
      expect(n.nativeDecimals).toBe(7);
      expect(n.requiredConfirmations).toBe(1);
    }
  });
});
