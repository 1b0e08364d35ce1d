/**
 * The Esplora endpoints the Bitcoin adapter uses, answered from a real Bitcoin-Core-family regtest node.
 * Shapes and errors follow Blockstream's electrs (`src/rest.rs`): JSON bodies for objects, text/plain for
 * heights, hashes, hex and errors; `/tx/:txid/status` is `{"confirmed":false}` for unknown transactions too;
 * `/tx/:txid/outspend/:vout` is `{"spent":false}` for outputs that do not exist; a rejected broadcast is
 * HTTP 400 `sendrawtransaction RPC error: {"code":…,"message":"…"}`.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Network } from 'bitcoinjs-lib';
import { outputScriptFor } from '../../../chains/bitcoin/address.js';
import { type NodeRpc, NodeRpcError } from './node.js';

export interface Reply {
  status: number;
  /** A string is sent as text/plain, anything else as JSON. */
  body: unknown;
}

interface Status {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
  block_time?: number;
}

interface VerboseTx {
  txid: string;
  size: number;
  weight: number;
  version: number;
  locktime: number;
  blockhash?: string;
  confirmations?: number;
  blocktime?: number;
  vin: {
    txid?: string;
    vout?: number;
    coinbase?: string;
    scriptSig?: { asm: string; hex: string };
    txinwitness?: string[];
    sequence: number;
  }[];
  vout: {
    value: number;
    n: number;
    scriptPubKey: { asm: string; hex: string; type: string; address?: string; addresses?: string[] };
  }[];
}

/** The confirmation targets Esplora's `/fee-estimates` lists (API.md). */
const FEE_TARGETS = [2, 3, 4, 5, 6, 10, 20, 25, 144, 504, 1008];
/** How far the peer walks blocks to find who spent an output (electrs has an index; the peer scans). */
const SPEND_SCAN_LIMIT = 5_000;

const text = (status: number, body: string): Reply => ({ status, body });
const json = (body: unknown): Reply => ({ status: 200, body });
const sats = (btc: number): number => Math.round(btc * 1e8);

const SCRIPT_TYPES: Record<string, string> = {
  pubkey: 'p2pk',
  pubkeyhash: 'p2pkh',
  scripthash: 'p2sh',
  witness_v0_keyhash: 'v0_p2wpkh',
  witness_v0_scripthash: 'v0_p2wsh',
  witness_v1_taproot: 'v1_p2tr',
  nulldata: 'op_return',
};

export function esploraRoutes(rpc: NodeRpc, net: Network) {
  // The node runs one scantxoutset at a time: queue ours.
  let scans: Promise<unknown> = Promise.resolve();
  function scan(address: string) {
    const run = scans
      .catch(() => undefined)
      .then(() =>
        rpc<{ unspents: { txid: string; vout: number; amount: number; height: number }[] }>('scantxoutset', [
          'start',
          [`addr(${address})`],
        ]),
      );
    scans = run;
    return run;
  }

  async function lookup(txid: string): Promise<VerboseTx | undefined> {
    try {
      return await rpc<VerboseTx>('getrawtransaction', [txid, true]);
    } catch (err) {
      if (err instanceof NodeRpcError && err.code === -5) return undefined;
      throw err;
    }
  }

  async function statusOf(tx: VerboseTx): Promise<Status> {
    if (!tx.blockhash || !tx.confirmations || tx.confirmations <= 0) return { confirmed: false };
    const header = await rpc<{ height: number; time: number }>('getblockheader', [tx.blockhash]);
    return { confirmed: true, block_height: header.height, block_hash: tx.blockhash, block_time: header.time };
  }

  async function mempool(): Promise<VerboseTx[]> {
    const txids = await rpc<string[]>('getrawmempool', []);
    const txs = await Promise.all(txids.map((t) => lookup(t)));
    return txs.filter((t): t is VerboseTx => t !== undefined);
  }

  async function txValue(tx: VerboseTx) {
    const isCoinbase = tx.vin[0]?.coinbase !== undefined;
    const vin = await Promise.all(
      tx.vin.map(async (i) => {
        if (i.coinbase !== undefined) {
          return {
            txid: '0'.repeat(64),
            vout: 0xffffffff,
            prevout: null,
            scriptsig: i.coinbase,
            scriptsig_asm: '',
            ...(i.txinwitness ? { witness: i.txinwitness } : {}),
            is_coinbase: true,
            sequence: i.sequence,
          };
        }
        const prev = await lookup(i.txid!);
        const out = prev?.vout[i.vout!];
        return {
          txid: i.txid,
          vout: i.vout,
          prevout: out ? outValue(out) : null,
          scriptsig: i.scriptSig?.hex ?? '',
          scriptsig_asm: i.scriptSig?.asm ?? '',
          ...(i.txinwitness ? { witness: i.txinwitness } : {}),
          is_coinbase: false,
          sequence: i.sequence,
        };
      }),
    );
    const vout = tx.vout.map(outValue);
    const fee = isCoinbase
      ? 0
      : vin.reduce((s, i) => s + ((i.prevout as { value: number } | null)?.value ?? 0), 0) -
        vout.reduce((s, o) => s + o.value, 0);
    return {
      txid: tx.txid,
      version: tx.version,
      locktime: tx.locktime,
      vin,
      vout,
      size: tx.size,
      weight: tx.weight,
      fee,
      status: await statusOf(tx),
    };
  }

  return {
    tipHeight: async (): Promise<Reply> => text(200, String(await rpc<number>('getblockcount'))),

    tipHash: async (): Promise<Reply> => text(200, await rpc<string>('getbestblockhash')),

    async blockAtHeight(height: string): Promise<Reply> {
      if (!/^\d+$/.test(height)) return text(400, 'Invalid number');
      try {
        return text(200, await rpc<string>('getblockhash', [Number(height)]));
      } catch (err) {
        if (err instanceof NodeRpcError && err.code === -8) return text(404, 'Block not found');
        throw err;
      }
    },

    async tx(txid: string): Promise<Reply> {
      if (!/^[0-9a-f]{64}$/.test(txid)) return text(400, 'Invalid hash string');
      const tx = await lookup(txid);
      return tx ? json(await txValue(tx)) : text(404, 'Transaction not found');
    },

    async txStatus(txid: string): Promise<Reply> {
      if (!/^[0-9a-f]{64}$/.test(txid)) return text(400, 'Invalid hash string');
      const tx = await lookup(txid);
      // electrs answers from its chain index only: mempool and unknown transactions alike are unconfirmed.
      return json(tx ? await statusOf(tx) : { confirmed: false });
    },

    async txHex(txid: string): Promise<Reply> {
      if (!/^[0-9a-f]{64}$/.test(txid)) return text(400, 'Invalid hash string');
      try {
        return text(200, await rpc<string>('getrawtransaction', [txid, false]));
      } catch (err) {
        if (err instanceof NodeRpcError && err.code === -5) return text(404, 'Transaction not found');
        throw err;
      }
    },

    async outspend(txid: string, voutText: string): Promise<Reply> {
      if (!/^[0-9a-f]{64}$/.test(txid)) return text(400, 'Invalid hash string');
      if (!/^\d+$/.test(voutText)) return text(400, 'Invalid number');
      const vout = Number(voutText);
      for (const tx of await mempool()) {
        const vin = tx.vin.findIndex((i) => i.txid === txid && i.vout === vout);
        if (vin >= 0) return json({ spent: true, txid: tx.txid, vin, status: { confirmed: false } });
      }
      if ((await rpc<unknown>('gettxout', [txid, vout, false])) !== null) return json({ spent: false });
      const funding = await lookup(txid);
      if (!funding || vout >= funding.vout.length) return json({ spent: false });
      const fundingStatus = await statusOf(funding);
      if (!fundingStatus.confirmed) return json({ spent: false });
      const tip = await rpc<number>('getblockcount');
      if (tip - fundingStatus.block_height! > SPEND_SCAN_LIMIT) {
        return text(503, 'esplora test peer: spend lookup deeper than its scan limit');
      }
      for (let h = fundingStatus.block_height!; h <= tip; h++) {
        const hash = await rpc<string>('getblockhash', [h]);
        const block = await rpc<{ time: number; tx: VerboseTx[] }>('getblock', [hash, 2]);
        for (const tx of block.tx) {
          const vin = tx.vin.findIndex((i) => i.txid === txid && i.vout === vout);
          if (vin >= 0) {
            return json({
              spent: true,
              txid: tx.txid,
              vin,
              status: { confirmed: true, block_height: h, block_hash: hash, block_time: block.time },
            });
          }
        }
      }
      return json({ spent: false });
    },

    async addressUtxo(address: string): Promise<Reply> {
      let script: string;
      try {
        script = bytesToHex(outputScriptFor(address, net));
      } catch {
        return text(400, 'Address on invalid network');
      }
      // Mempool first, as electrs does: an output confirmed between the two reads is still listed once.
      const pool = await mempool();
      const spentInMempool = new Set(pool.flatMap((tx) => tx.vin.map((i) => `${i.txid}:${i.vout}`)));
      const scanned = await scan(address);
      const heights = [...new Set(scanned.unspents.map((u) => u.height))];
      const headers = new Map(
        await Promise.all(
          heights.map(async (h) => {
            const hash = await rpc<string>('getblockhash', [h]);
            const header = await rpc<{ time: number }>('getblockheader', [hash]);
            return [h, { hash, time: header.time }] as const;
          }),
        ),
      );
      const confirmed = scanned.unspents
        .filter((u) => !spentInMempool.has(`${u.txid}:${u.vout}`))
        .map((u) => ({
          txid: u.txid,
          vout: u.vout,
          status: {
            confirmed: true,
            block_height: u.height,
            block_hash: headers.get(u.height)!.hash,
            block_time: headers.get(u.height)!.time,
          },
          value: sats(u.amount),
        }));
      const unconfirmed = pool.flatMap((tx) =>
        tx.vout
          .filter((o) => o.scriptPubKey.hex === script && !spentInMempool.has(`${tx.txid}:${o.n}`))
          .map((o) => ({ txid: tx.txid, vout: o.n, status: { confirmed: false }, value: sats(o.value) })),
      );
      return json([...confirmed, ...unconfirmed]);
    },

    async feeEstimates(): Promise<Reply> {
      const out: Record<string, number> = {};
      for (const target of FEE_TARGETS) {
        const est = await rpc<{ feerate?: number }>('estimatesmartfee', [target]);
        if (typeof est.feerate === 'number') out[String(target)] = est.feerate * 100_000; // BTC/kvB → sat/vB
      }
      return json(out);
    },

    async broadcast(body: string): Promise<Reply> {
      try {
        return text(200, await rpc<string>('sendrawtransaction', [body.trim()]));
      } catch (err) {
        if (!(err instanceof NodeRpcError)) throw err;
        if (err.code === -28) return text(503, `sendrawtransaction RPC error ${err.code}: ${err.rpcMessage}`);
        return text(
          400,
          `sendrawtransaction RPC error: ${JSON.stringify({ code: err.code, message: err.rpcMessage })}`,
        );
      }
    },
  };
}

function outValue(o: VerboseTx['vout'][number]) {
  const address = o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0];
  return {
    scriptpubkey: o.scriptPubKey.hex,
    scriptpubkey_asm: o.scriptPubKey.asm,
    scriptpubkey_type: SCRIPT_TYPES[o.scriptPubKey.type] ?? 'unknown',
    ...(address ? { scriptpubkey_address: address } : {}),
    value: sats(o.value),
  };
}
