/**
 * The Bitcoin backend over an Esplora HTTP server (Blockstream's electrs: blockstream.info, mempool.space,
 * or self-hosted). Address-indexed, so listing an address's outputs is one fast request instead of a
 * UTXO-set scan.
 *
 * What Esplora does and how it is read here:
 * - `GET /address/:a/utxo` lists confirmed and mempool outputs of the address, minus those a mempool
 *   transaction spends. Only confirmed ones are returned (as with Core: unconfirmed change waits a block);
 *   outputs younger than coinbase maturity are checked with `GET /tx/:txid` (`vin[0].is_coinbase`).
 * - `GET /tx/:txid/status` answers `{confirmed:false}` both for a mempool transaction and for an unknown
 *   one, so "is it known at all" is `GET /tx/:txid/hex` (404 `Transaction not found`).
 * - An included transaction's block is checked against `GET /block-height/:h` (the server's best chain)
 *   and its depth against `GET /blocks/tip/height`.
 * - Conflicts: an unknown transaction whose input `GET /tx/:in/outspend/:vout` shows spent by another,
 *   confirmed transaction can never land → `expired`.
 * - `POST /tx` answers the txid, or 400 with bitcoind's rejection text.
 *
 * Several servers (`esploraUrls`, env `ESPLORA_URLS_<NETWORK>`) share the endpoint pool of the other families
 * (chains/shared/endpoints.ts): reads rotate on failure behind a circuit breaker, broadcasts go to every server,
 * and a status answer comes only from a server whose tip is within `maxHeadLagBlocks` of the best known tip.
 * Requests that must agree with each other (a listing and its tip, a status and its block) go to one server.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Network } from 'bitcoinjs-lib';
import { chainError } from '../../errors/codes.js';
import { EndpointPool } from '../shared/endpoints.js';
import { maxHeadLagOf } from '../shared/network-pool.js';
import type { BroadcastResult, ChainStatus, NetworkConfig, SignedTx, StatusContext, Utxo } from '../types.js';
import { outputScriptFor } from './address.js';
import type { BitcoinBackend, FeeRate } from './backend.js';
import { classifyBitcoinError } from './errors.js';
import { createEsploraClient, type EsploraClient, isNotFound } from './esplora.js';
import { configuredFeeRate, fallbackFeeRate, MIN_RELAY_SAT_PER_KVB, maxBig, satVbToKvB } from './fees.js';
import { COINBASE_MATURITY } from './utxo.js';

interface EsploraStatus {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
  block_time?: number;
}

interface EsploraUtxo {
  txid: string;
  vout: number;
  value: number;
  status: EsploraStatus;
}

interface EsploraOutspend {
  spent: boolean;
  txid?: string;
  vin?: number;
  status?: EsploraStatus;
}

/** Requests in flight at once for per-output lookups (public servers rate-limit bursts). */
const LOOKUP_CONCURRENCY = 4;

/** The network's Esplora servers; `esploraUrl` alone when it is not one of `esploraUrls` (an override). */
export function esploraUrlsOf(network: Pick<NetworkConfig, 'esploraUrl' | 'esploraUrls'>): string[] {
  const list = network.esploraUrls ?? [];
  if (!network.esploraUrl) return list;
  return list.includes(network.esploraUrl) ? list : [network.esploraUrl];
}

export function createEsploraBackend(network: NetworkConfig, net: Network): BitcoinBackend {
  const pool = new EndpointPool(
    esploraUrlsOf(network).map((url) => ({ url, client: createEsploraClient(url) })),
    {
      network: network.name,
      classify: classifyBitcoinError,
      maxHeadLag: maxHeadLagOf(network),
      failureThreshold: network.rpcBreaker?.failureThreshold,
      cooldownMs: network.rpcBreaker?.cooldownMs,
    },
  );
  // Whether a txid is a coinbase never changes: remember the answers (bounded).
  const coinbase = new Map<string, boolean>();

  async function tipHeight(api: EsploraClient): Promise<number> {
    return parseHeight(await api.getText('/blocks/tip/height'));
  }

  async function isCoinbase(api: EsploraClient, txid: string): Promise<boolean> {
    const known = coinbase.get(txid);
    if (known !== undefined) return known;
    const tx = await api.getJson<{ vin: { is_coinbase?: boolean }[] }>(`/tx/${txid}`);
    const answer = tx.vin[0]?.is_coinbase === true;
    if (coinbase.size > 10_000) coinbase.clear();
    coinbase.set(txid, answer);
    return answer;
  }

  async function isKnown(api: EsploraClient, txid: string): Promise<boolean> {
    try {
      await api.getText(`/tx/${txid}/hex`);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async function listUtxos(api: EsploraClient, address: string): Promise<Utxo[]> {
    const script = bytesToHex(outputScriptFor(address, net));
    const [listed, tip] = await Promise.all([
      api.getJson<EsploraUtxo[]>(`/address/${encodeURIComponent(address)}/utxo`),
      tipHeight(api),
    ]);
    const confirmed = listed
      .filter((u) => u.status.confirmed && typeof u.status.block_height === 'number')
      .map((u) => ({
        txid: u.txid,
        vout: u.vout,
        value: BigInt(u.value).toString(),
        scriptPubKey: script,
        // The tip may come from a server a block behind the one that listed: never below 1.
        confirmations: Math.max(1, tip - u.status.block_height! + 1),
      }));
    const young = [...new Set(confirmed.filter((u) => u.confirmations < COINBASE_MATURITY).map((u) => u.txid))];
    const immature = new Set<string>();
    await inBatches(young, LOOKUP_CONCURRENCY, async (txid) => {
      if (await isCoinbase(api, txid)) immature.add(txid);
    });
    return confirmed.filter((u) => !immature.has(u.txid)).sort(byOutpoint);
  }

  async function feeRate(api: EsploraClient): Promise<FeeRate> {
    const estimates = await api.getJson<Record<string, number>>('/fee-estimates');
    const target = typeof network.params?.feeConfTarget === 'number' ? network.params.feeConfTarget : 6;
    const satVb = estimateFor(estimates, target);
    if (satVb !== undefined) {
      return { satPerKvB: maxBig(satVbToKvB(satVb), MIN_RELAY_SAT_PER_KVB), source: 'fee-estimates' };
    }
    const fallback = fallbackFeeRate(network);
    if (fallback) return fallback;
    throw chainError('fee_estimate_unavailable', 'the esplora server has no fee estimate yet', 'retryable');
  }

  async function broadcastTo(api: EsploraClient, signed: SignedTx): Promise<BroadcastResult> {
    const known = await isKnown(api, signed.hash);
    try {
      // Also sent when already known: harmless, and it re-announces the transaction.
      const txid = await api.postText('/tx', signed.raw);
      if (txid !== signed.hash) throw new Error(`esplora returned txid ${txid}, expected ${signed.hash}`);
      return { hash: signed.hash, alreadyKnown: known };
    } catch (err) {
      const classified = classifyBitcoinError(err);
      if (classified.kind === 'already_done') return { hash: signed.hash, alreadyKnown: true };
      if (['utxo_spent', 'utxo_conflict', 'broadcast_failed'].includes(classified.id)) {
        // Ambiguous: maybe these inputs were spent by this very transaction (a retry after it was mined).
        if (await isKnown(api, signed.hash).catch(() => false)) return { hash: signed.hash, alreadyKnown: true };
      }
      throw classified;
    }
  }

  async function statusOn(api: EsploraClient, txid: string, context: StatusContext): Promise<ChainStatus> {
    const s = await api.getJson<EsploraStatus>(`/tx/${txid}/status`);
    if (s.confirmed && typeof s.block_height === 'number' && s.block_hash) {
      const [tip, hashAtHeight] = await Promise.all([
        tipHeight(api),
        api.getText(`/block-height/${s.block_height}`).catch((err) => {
          if (isNotFound(err)) return undefined; // the server's chain got shorter meanwhile (a reorg)
          throw err;
        }),
      ]);
      // The status and the best chain disagree: a reorg between the two requests. Look again next poll.
      if (hashAtHeight !== s.block_hash || tip < s.block_height) return { state: 'pending' };
      const confirmations = tip - s.block_height + 1;
      return {
        state: 'included',
        blockNumber: String(s.block_height),
        blockHash: s.block_hash,
        confirmations,
        final: confirmations >= network.requiredConfirmations,
      };
    }
    if (await isKnown(api, txid)) return { state: 'pending' };

    const inputs = Array.isArray(context.details.inputs)
      ? (context.details.inputs as { txid: string; vout: number }[])
      : [];
    const spends = await inBatches(inputs, LOOKUP_CONCURRENCY, (i) =>
      api.getJson<EsploraOutspend>(`/tx/${i.txid}/outspend/${i.vout}`),
    );
    const conflict = spends.find((o) => o.spent && o.txid !== txid && o.status?.confirmed);
    if (conflict) {
      return {
        state: 'expired',
        reason: `an input of this transaction was spent on chain by another transaction (${conflict.txid})`,
      };
    }
    return { state: 'not_found' };
  }

  return {
    kind: 'esplora',
    listUtxos: (address) => pool.read((api) => listUtxos(api, address)),
    feeRate: async () => configuredFeeRate(network) ?? pool.read(feeRate),
    // Esplora does not publish the relay's incremental fee: Bitcoin Core's default (params.incrementalFeeSatVb overrides).
    incrementalRelayFee: async () =>
      typeof network.params?.incrementalFeeSatVb === 'number'
        ? maxBig(satVbToKvB(network.params.incrementalFeeSatVb), MIN_RELAY_SAT_PER_KVB)
        : MIN_RELAY_SAT_PER_KVB,
    broadcast: (signed) => pool.broadcastAll((api) => broadcastTo(api, signed)),
    status: (txid, context) => pool.fresh(tipHeight, (api) => statusOn(api, txid, context)),
  };
}

/**
 * The estimate for `target` blocks: the entry of the largest available target ≤ `target` (a faster target,
 * so never a lower fee), else the fastest one listed. Esplora serves targets 1–25, 144, 504, 1008.
 */
export function estimateFor(estimates: Record<string, number>, target: number): number | undefined {
  const entries = Object.entries(estimates)
    .map(([k, v]) => [Number(k), v] as const)
    .filter(([k, v]) => Number.isInteger(k) && k > 0 && typeof v === 'number' && v > 0)
    .sort((a, b) => a[0] - b[0]);
  if (entries.length === 0) return undefined;
  const atOrBelow = entries.filter(([k]) => k <= target);
  return (atOrBelow.at(-1) ?? entries[0]!)[1];
}

function parseHeight(text: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`esplora tip height is not a number: ${text.slice(0, 40)}`);
  return Number(text);
}

function byOutpoint(a: Utxo, b: Utxo): number {
  return a.txid === b.txid ? a.vout - b.vout : a.txid < b.txid ? -1 : 1;
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
