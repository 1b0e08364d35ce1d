/**
 * Coin listing without `scantxoutset` on a Core node: a watch-only wallet on the node (`params.coinListing:
 * "watch-wallet"`, wallet name `params.watchWallet`, default `chainflow-watch`) holds the address, and
 * `listunspent` answers from the wallet's index in milliseconds however large the UTXO set is (`scantxoutset`
 * walks all of it, one scan at a time per node). The address is imported on first use with a rescan: cheap on the
 * dev networks the Core backend serves; a production node would import each address when it is created.
 */
import type { Utxo } from '../types.js';
import { type BitcoinRpc, BitcoinRpcError } from './rpc.js';
import { btcToSats } from './utxo.js';

const WALLET_NOT_FOUND = -18;
const WALLET_ALREADY_LOADED = -35;

interface ListUnspentEntry {
  txid: string;
  vout: number;
  amount: number;
  scriptPubKey: string;
  confirmations: number;
}

async function ensureWallet(node: BitcoinRpc, wallet: BitcoinRpc, name: string): Promise<void> {
  try {
    await wallet.call('getwalletinfo');
    return;
  } catch (err) {
    if (!(err instanceof BitcoinRpcError) || err.code !== WALLET_NOT_FOUND) throw err;
  }
  try {
    await node.call('loadwallet', [name]);
  } catch (err) {
    if (err instanceof BitcoinRpcError && err.code === WALLET_ALREADY_LOADED) return;
    if (!(err instanceof BitcoinRpcError) || err.code !== WALLET_NOT_FOUND) throw err;
    // Watch-only and blank: the node never holds a key of ours.
    await node.call('createwallet', [name, true, true]);
  }
}

export async function listWatchedUtxos(
  node: BitcoinRpc,
  wallet: BitcoinRpc,
  walletName: string,
  address: string,
): Promise<Utxo[]> {
  await ensureWallet(node, wallet, walletName);
  const info = await wallet.call<{ iswatchonly?: boolean }>('getaddressinfo', [address]);
  if (!info.iswatchonly) await wallet.call('importaddress', [address, '', true, false], { timeoutMs: 25_000 });
  // Confirmed only (as the scan path); the wallet already leaves out immature coinbase and outputs its mempool spends.
  const entries = await wallet.call<ListUnspentEntry[]>('listunspent', [1, 9_999_999, [address], true]);
  const utxos = entries.map((u) => ({
    txid: u.txid,
    vout: u.vout,
    value: btcToSats(u.amount).toString(),
    scriptPubKey: u.scriptPubKey,
    confirmations: u.confirmations,
  }));
  // A mempool transaction of another wallet can spend them too: the node's UTXO view decides.
  if (utxos.length === 0) return utxos;
  const live = await node.batch<unknown>(utxos.map((u) => ({ method: 'gettxout', params: [u.txid, u.vout, true] })));
  return utxos
    .filter((_, i) => {
      const r = live[i];
      if (r instanceof BitcoinRpcError) throw r;
      return r !== null;
    })
    .sort((a, b) => (a.txid === b.txid ? a.vout - b.vout : a.txid < b.txid ? -1 : 1));
}
