/**
 * Unspent outputs of an address and coin selection.
 *
 * `listUtxos` reads a Core node's confirmed UTXO set (`scantxoutset`, regtest only: bounded by SCAN_TIMEOUT_MS) and drops
 * outputs already spent by a mempool transaction and coinbase outputs not yet mature. It does NOT return
 * unconfirmed outputs, not even the change of our own pending transactions: finding those would need a
 * scan of the whole mempool (or the caller's record of its own txids). A wallet whose only coins sit in
 * an unconfirmed change output therefore waits one block before its next transfer.
 *
 * Selection spends only confirmed P2WPKH outputs of the sender (never unconfirmed foreign outputs):
 * branch-and-bound for a change-less exact match first, then largest-first with change; change below
 * the dust limit is dropped into the fee.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { chainError, ErrorId } from '../../errors/codes.js';
import type { Utxo } from '../types.js';
import { dustThreshold, outputSize } from './address.js';
import { estimateVsize, feeFor, P2WPKH_INPUT_VBYTES } from './fees.js';
import { type BitcoinRpc, BitcoinRpcError } from './rpc.js';

/** Bitcoin's coinbase maturity: a coinbase output can be spent in a block 100 blocks deeper. */
export const COINBASE_MATURITY = 100;
/** Above this the transaction nears the 400k weight standardness limit; consolidate first. */
export const MAX_INPUTS = 500;

interface ScanResult {
  success: boolean;
  height: number;
  unspents: { txid: string; vout: number; scriptPubKey: string; amount: number; height: number }[];
}

/** BTC amount as JSON number → satoshis (exact for every real amount: 21e14 < 2^53). */
export function btcToSats(amount: number): bigint {
  return BigInt(Math.round(amount * 1e8));
}

/**
 * Bound on one scan, below the 30 s reserve/preflight activity timeout: a scan still running when the
 * activity times out would finish as a zombie. Regtest scans take milliseconds.
 */
export const SCAN_TIMEOUT_MS = 20_000;

async function scanWithRetry(rpc: BitcoinRpc, address: string, timeoutMs: number): Promise<ScanResult> {
  const deadline = Date.now() + timeoutMs;
  // The node runs one scan at a time; concurrent callers get "Scan already in progress".
  for (;;) {
    const left = deadline - Date.now();
    try {
      if (left <= 0) throw new Error('scantxoutset: TimeoutError, no scan slot before the deadline');
      return await rpc.call<ScanResult>('scantxoutset', ['start', [`addr(${address})`]], { timeoutMs: left });
    } catch (err) {
      const busy = err instanceof BitcoinRpcError && /scan already in progress/i.test(err.rpcMessage);
      if (!busy || Date.now() >= deadline) {
        // Stop the node's scan too, or it keeps the node's only scan slot busy after we gave up.
        if (!(err instanceof BitcoinRpcError))
          await rpc.call('scantxoutset', ['abort'], { timeoutMs: 2_000 }).catch(() => {});
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }
}

export async function listUtxos(rpc: BitcoinRpc, address: string, timeoutMs = SCAN_TIMEOUT_MS): Promise<Utxo[]> {
  const scan = await scanWithRetry(rpc, address, timeoutMs);
  let utxos: Utxo[] = scan.unspents.map((u) => ({
    txid: u.txid,
    vout: u.vout,
    value: btcToSats(u.amount).toString(),
    scriptPubKey: u.scriptPubKey,
    confirmations: scan.height - u.height + 1,
  }));

  // Young outputs may be immature coinbase rewards (regtest faucets mine to addresses): look them up.
  const young = scan.unspents.filter((u) => scan.height - u.height + 1 < COINBASE_MATURITY);
  if (young.length > 0) {
    const heights = [...new Set(young.map((u) => u.height))];
    const hashes = await rpc.batch<string>(heights.map((h) => ({ method: 'getblockhash', params: [h] })));
    const hashAt = new Map(heights.map((h, i) => [h, hashes[i]]));
    const txs = await rpc.batch<{ vin: { coinbase?: string }[] }>(
      young.map((u) => ({ method: 'getrawtransaction', params: [u.txid, true, hashAt.get(u.height)] })),
    );
    const immature = new Set<string>();
    young.forEach((u, i) => {
      const tx = txs[i];
      if (tx instanceof BitcoinRpcError) throw tx; // e.g. the block was reorged away mid-scan: retry later
      if (tx?.vin[0]?.coinbase !== undefined) immature.add(`${u.txid}:${u.vout}`);
    });
    utxos = utxos.filter((u) => !immature.has(`${u.txid}:${u.vout}`));
  }

  // The scan sees the confirmed UTXO set only; drop outputs that a mempool transaction already spends.
  if (utxos.length > 0) {
    const live = await rpc.batch<unknown>(utxos.map((u) => ({ method: 'gettxout', params: [u.txid, u.vout, true] })));
    utxos = utxos.filter((_, i) => {
      const r = live[i];
      if (r instanceof BitcoinRpcError) throw r;
      return r !== null;
    });
  }
  return utxos.sort(byOutpoint);
}

function byOutpoint(a: Utxo, b: Utxo): number {
  return a.txid === b.txid ? a.vout - b.vout : a.txid < b.txid ? -1 : 1;
}

export interface SpendRequest {
  amount: bigint;
  /** Recipient output script. */
  toScript: Uint8Array;
  /** The sender's own P2WPKH script: inputs must pay to it, change goes back to it. */
  changeScript: Uint8Array;
  satPerKvB: bigint;
}

export interface SpendPlan {
  inputs: Utxo[];
  fee: bigint;
  /** 0 when the change would be dust (it is then part of the fee). */
  change: bigint;
  vsize: number;
}

/** Fee, change and size for spending exactly `inputs` (in that order). Throws insufficient_funds. */
export function planWithInputs(inputs: Utxo[], req: SpendRequest): SpendPlan {
  const total = inputs.reduce((s, u) => s + BigInt(u.value), 0n);
  const toOut = outputSize(req.toScript);
  const changeOut = outputSize(req.changeScript);
  const vsizeWithChange = estimateVsize(inputs.length, [toOut, changeOut]);
  const change = total - req.amount - feeFor(vsizeWithChange, req.satPerKvB);
  if (change >= dustThreshold(req.changeScript)) {
    return { inputs, fee: total - req.amount - change, change, vsize: vsizeWithChange };
  }
  const vsize = estimateVsize(inputs.length, [toOut]);
  const fee = total - req.amount;
  if (inputs.length === 0 || fee < feeFor(vsize, req.satPerKvB)) {
    throw insufficient(total, req.amount + feeFor(vsize, req.satPerKvB));
  }
  return { inputs, fee, change: 0n, vsize };
}

export function insufficient(available: bigint, needed: bigint) {
  return chainError(
    ErrorId.InsufficientFunds,
    'insufficient funds for amount plus network fee',
    'terminal',
    undefined,
    `spendable ${available} sat, needed ${needed} sat`,
  );
}

/**
 * Picks inputs for `req` from `available`. Only confirmed outputs paying to `req.changeScript` whose value
 * exceeds the cost of spending them are considered. Deterministic for the same inputs.
 */
export function selectCoins(available: Utxo[], req: SpendRequest): SpendPlan {
  const own = bytesToHex(req.changeScript);
  const inputFee = feeFor(P2WPKH_INPUT_VBYTES, req.satPerKvB);
  const usable = available
    .filter((u) => u.confirmations >= 1 && u.scriptPubKey.toLowerCase() === own && BigInt(u.value) > inputFee)
    .sort((a, b) => {
      const d = BigInt(b.value) - BigInt(a.value);
      return d > 0n ? 1 : d < 0n ? -1 : byOutpoint(a, b);
    });
  const total = usable.reduce((s, u) => s + BigInt(u.value), 0n);

  const exact = branchAndBound(usable, req);
  if (exact) return planWithInputs(exact, req);

  // Largest first, until the recipient, the fee and either a real change output or a dust-sized surplus are covered.
  const chosen: Utxo[] = [];
  for (const u of usable) {
    chosen.push(u);
    if (chosen.length > MAX_INPUTS) {
      throw chainError(
        'too_many_inputs',
        `this transfer would need more than ${MAX_INPUTS} inputs; consolidate the wallet's outputs first`,
        'terminal',
      );
    }
    try {
      return planWithInputs(chosen, req);
    } catch {
      // not enough yet
    }
  }
  const minFee = feeFor(estimateVsize(Math.max(1, usable.length), [outputSize(req.toScript)]), req.satPerKvB);
  throw insufficient(total, req.amount + minFee);
}

/**
 * Searches for a set of inputs that pays amount + fee with no change output, wasting at most the cost of
 * a change output (creating it now plus spending it later). Bounded depth-first search over inputs sorted
 * by value (descending), as in Bitcoin Core's SelectCoinsBnB.
 */
function branchAndBound(usable: Utxo[], req: SpendRequest): Utxo[] | undefined {
  const values = usable.map((u) => BigInt(u.value));
  const toOut = outputSize(req.toScript);
  const costOfChange = feeFor(outputSize(req.changeScript), req.satPerKvB) + feeFor(P2WPKH_INPUT_VBYTES, req.satPerKvB);
  const excess = (sum: bigint, n: number) => sum - req.amount - feeFor(estimateVsize(n, [toOut]), req.satPerKvB);

  const suffix: bigint[] = new Array(values.length + 1).fill(0n);
  for (let i = values.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + values[i]!;

  let tries = 0;
  let best: number[] | undefined;
  let bestExcess = 0n;
  const picked: number[] = [];
  const dfs = (i: number, sum: bigint): boolean => {
    if (++tries > 100_000 || picked.length > MAX_INPUTS) return true;
    const ex = excess(sum, picked.length);
    if (picked.length > 0 && ex >= 0n) {
      if (ex <= costOfChange && (best === undefined || ex < bestExcess)) {
        best = [...picked];
        bestExcess = ex;
        if (ex === 0n) return true;
      }
      return false; // adding more only overshoots further
    }
    if (i >= values.length) return false;
    // Even taking everything left cannot reach the target (inputs only add fee beyond their value if uneconomic, filtered above).
    if (excess(sum + suffix[i]!, picked.length + (values.length - i)) < 0n) return false;
    picked.push(i);
    if (dfs(i + 1, sum + values[i]!)) return true;
    picked.pop();
    return dfs(i + 1, sum);
  };
  dfs(0, 0n);
  return best?.map((i) => usable[i]!);
}

/** For messages: the sum of values. */
export function sumValues(utxos: Utxo[]): bigint {
  return utxos.reduce((s, u) => s + BigInt(u.value), 0n);
}
