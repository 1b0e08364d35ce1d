/**
 * REGTEST ONLY. Faucet for dev networks (`network.dev`): a fixed, publicly known funder key mines block
 * rewards to itself, then pays the exact requested amount through the adapter's normal
 * preflight → select → build → sign → broadcast path, and mines one block so the payment is confirmed
 * (and spendable at once: listUtxos only sees confirmed outputs).
 *
 * The key below is derived from a public string: anything it holds on a real network is anyone's.
 * The adapter only installs the faucet when `network.dev` is set.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { chainError, ErrorId } from '../../errors/codes.js';
import { publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import type { ChainAdapter, TransferIntent } from '../types.js';
import type { BitcoinRpc } from './rpc.js';

/** Public, regtest-only funder key. Never use it anywhere value exists. */
export const REGTEST_FUNDER_PRIVATE_KEY = bytesToHex(
  sha256(utf8ToBytes('chainflow bitcoin-regtest faucet funder (REGTEST ONLY)')),
);

/** Blocks mined per top-up round, and the most a single faucet call will mine. */
const MINE_CHUNK = 25;
const MAX_BLOCKS_PER_CALL = 1000;

// One faucet payment at a time per node: payments spend the funder's outputs.
const queues = new Map<string, Promise<unknown>>();

export function regtestFaucet(
  adapter: ChainAdapter,
  rpc: BitcoinRpc,
  address: string,
  rawAmount: bigint,
): Promise<{ hash?: string }> {
  const key = adapter.network.rpcUrl;
  const prev = queues.get(key) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => pay(adapter, rpc, address, rawAmount));
  queues.set(key, run);
  return run;
}

async function pay(
  adapter: ChainAdapter,
  rpc: BitcoinRpc,
  address: string,
  rawAmount: bigint,
): Promise<{ hash: string }> {
  if (!adapter.network.dev)
    throw chainError(ErrorId.FaucetUnavailable, 'the faucet exists on dev networks only', 'terminal');
  if (!adapter.validateAddress(address)) {
    throw chainError(ErrorId.BadTo, `invalid ${adapter.network.name} address`, 'terminal');
  }
  const publicKey = publicKeyOf('secp256k1', REGTEST_FUNDER_PRIVATE_KEY);
  const funder = adapter.addressFromPublicKey(publicKey);
  const intent: TransferIntent = {
    transferId: `faucet-${Date.now()}`,
    chain: adapter.network.name,
    from: { address: funder, publicKey },
    to: address,
    token: { kind: 'native', symbol: adapter.network.nativeSymbol, decimals: adapter.network.nativeDecimals },
    rawAmount: rawAmount.toString(),
  };

  let preflight = await adapter.preflight(intent);
  for (let mined = 0; preflight.errors.some((e) => e.id === ErrorId.InsufficientFunds); ) {
    if (mined >= MAX_BLOCKS_PER_CALL) {
      throw chainError(
        ErrorId.FaucetUnavailable,
        'the regtest faucet cannot mine enough coins for this amount',
        'terminal',
      );
    }
    // The first rewards mature after 100 more blocks; later rounds mature one older reward per block.
    const fresh = (await adapter.listUtxos?.(funder))?.length === 0 && mined === 0;
    const n = fresh ? 101 : MINE_CHUNK;
    await rpc.call('generatetoaddress', [n, funder]);
    mined += n;
    preflight = await adapter.preflight(intent);
  }
  if (preflight.errors.length > 0) {
    throw chainError(
      ErrorId.FaucetUnavailable,
      `faucet payment rejected: ${preflight.errors.map((e) => e.message).join('; ')}`,
      'terminal',
    );
  }

  const available = (await adapter.listUtxos?.(funder)) ?? [];
  const utxos = adapter.selectUtxos?.(intent, preflight, available) ?? [];
  const unsigned = await adapter.build(intent, preflight, { utxos });
  const signatures = unsigned.payloads.map((p) =>
    signWithPrivateKey('secp256k1', REGTEST_FUNDER_PRIVATE_KEY, p.payload),
  );
  const signed = adapter.assemble(unsigned, signatures);
  await adapter.broadcast(signed);
  await rpc.call('generatetoaddress', [1, funder]);
  return { hash: signed.hash };
}
