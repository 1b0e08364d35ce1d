/**
 * Test helpers for the Bitcoin adapter tests: the regtest network config pointed at a test node,
 * and the full sign-and-assemble path with a local key.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import type { ChainAdapter, NetworkConfig, SignedTx, TransferIntent, UnsignedTx, Utxo } from '../types.js';

const networksFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'networks', 'bitcoin.json');

export function bitcoinNetwork(name: string, overrides: Partial<NetworkConfig> = {}): NetworkConfig {
  const all = JSON.parse(readFileSync(networksFile, 'utf8')) as NetworkConfig[];
  const n = all.find((x) => x.name === name);
  if (!n) throw new Error(`no network ${name} in bitcoin.json`);
  return { ...n, ...overrides };
}

export interface TestWallet {
  privateKey: string;
  publicKey: string;
  address: string;
}

export function newWallet(adapter: ChainAdapter): TestWallet {
  const privateKey = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', privateKey);
  return { privateKey, publicKey, address: adapter.addressFromPublicKey(publicKey) };
}

export function intentFor(adapter: ChainAdapter, from: TestWallet, to: string, rawAmount: bigint): TransferIntent {
  return {
    transferId: `t-${Math.random().toString(36).slice(2)}`,
    chain: adapter.network.name,
    from: { address: from.address, publicKey: from.publicKey },
    to,
    token: { kind: 'native', symbol: adapter.network.nativeSymbol, decimals: adapter.network.nativeDecimals },
    rawAmount: rawAmount.toString(),
  };
}

export function signAndAssemble(adapter: ChainAdapter, wallet: TestWallet, unsigned: UnsignedTx): SignedTx {
  const sigs = unsigned.payloads.map((p) => signWithPrivateKey(p.curve, wallet.privateKey, p.payload));
  return adapter.assemble(unsigned, sigs);
}

/** preflight → listUtxos → selectUtxos → build → sign → assemble, as the workflow does it. */
export async function prepareTransfer(
  adapter: ChainAdapter,
  wallet: TestWallet,
  to: string,
  rawAmount: bigint,
  opts: { utxos?: Utxo[] } = {},
): Promise<{ unsigned: UnsignedTx; signed: SignedTx; inputs: Utxo[] }> {
  const intent = intentFor(adapter, wallet, to, rawAmount);
  const preflight = await adapter.preflight(intent);
  if (preflight.errors.length > 0) throw new Error(`preflight: ${JSON.stringify(preflight.errors)}`);
  const available = opts.utxos ?? (await adapter.listUtxos!(wallet.address));
  const inputs = adapter.selectUtxos!(intent, preflight, available);
  const unsigned = await adapter.build(intent, preflight, { utxos: inputs });
  return { unsigned, signed: signAndAssemble(adapter, wallet, unsigned), inputs };
}

export function sumUtxos(utxos: Utxo[]): bigint {
  return utxos.reduce((s, u) => s + BigInt(u.value), 0n);
}
