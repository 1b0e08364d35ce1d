/**
 * Loads network configs (data files in chains/networks/*.json) and resolves request names.
 * `chain` in a request may be a canonical name, a Portal alias, or a CAIP-2 id.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { badRequest, ErrorId } from '../errors/codes.js';
import { resolveFeeCaps } from './fee-caps.js';
import type { NetworkConfig } from './types.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'networks');

function envKey(prefix: string, name: string): string {
  return `${prefix}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** `RPC_URLS_<NAME>` (comma list) over `RPC_URL_<NAME>` (one URL) over the file's `rpcUrls` / `rpcUrl`. */
function resolveRpcUrls(n: NetworkConfig, env: NodeJS.ProcessEnv): string[] {
  const list = env[envKey('RPC_URLS', n.name)]
    ?.split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (list?.length) return list;
  const one = env[envKey('RPC_URL', n.name)]?.trim();
  if (one) return [one];
  const fromFile = n.rpcUrls?.length ? n.rpcUrls : [n.rpcUrl];
  if (fromFile.some((u) => typeof u !== 'string' || !u)) throw new Error(`network ${n.name} has an empty RPC URL`);
  return fromFile;
}

/**
 * Env overrides of a network's endpoints: `RPC_URLS_<NAME>` / `RPC_URL_<NAME>`, and for Bitcoin
 * `ESPLORA_URLS_<NAME>` (comma list) / `ESPLORA_URL_<NAME>`, `BITCOIN_BACKEND_<NAME>`.
 */
function withEnv(n: NetworkConfig, env: NodeJS.ProcessEnv): NetworkConfig {
  const rpcUrls = resolveRpcUrls(n, env);
  const out: NetworkConfig = { ...n, rpcUrl: rpcUrls[0]!, rpcUrls };
  const esploraList = env[envKey('ESPLORA_URLS', n.name)]
    ?.split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const esploraUrl = env[envKey('ESPLORA_URL', n.name)]?.trim();
  if (esploraList?.length) {
    out.esploraUrl = esploraList[0]!;
    out.esploraUrls = esploraList;
  } else if (esploraUrl) {
    out.esploraUrl = esploraUrl;
    delete out.esploraUrls;
  }
  const backend = env[envKey('BITCOIN_BACKEND', n.name)];
  if (backend) out.params = { ...n.params, backend };
  return out;
}

/** The network files' entries, as written. */
function readNetworkFiles(): NetworkConfig[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as NetworkConfig[]);
}

/** Networks with env overrides applied (endpoints, fee caps, stuck time). A malformed setting stops the process. */
export function loadNetworks(
  env: NodeJS.ProcessEnv = process.env,
  entries: NetworkConfig[] = readNetworkFiles(),
): NetworkConfig[] {
  return entries.map((n) => {
    const lag = n.maxHeadLagBlocks;
    if (lag !== undefined && !(Number.isInteger(lag) && lag >= 0))
      throw new Error(`network ${n.name}: maxHeadLagBlocks must be a non-negative integer, got ${lag}`);
    return {
      ...withEnv(n, env),
      feeCaps: resolveFeeCaps(n, env),
      ...stuckAfter(n, env),
      ...nonceWindow(n, env),
      ...confirmations(n, env),
    };
  });
}

/** `STUCK_AFTER_MS_<NAME>` overrides how long an unincluded transaction waits before its fee is bumped. */
function stuckAfter(n: NetworkConfig, env: NodeJS.ProcessEnv): Pick<NetworkConfig, 'stuckAfterMs'> {
  const raw = env[`STUCK_AFTER_MS_${n.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
  if (raw === undefined) return n.stuckAfterMs === undefined ? {} : { stuckAfterMs: n.stuckAfterMs };
  if (!/^\d+$/.test(raw)) throw new Error(`STUCK_AFTER_MS_${n.name}: expected milliseconds, got ${raw}`);
  return { stuckAfterMs: Number(raw) };
}

/** `REQUIRED_CONFIRMATIONS_<NAME>` overrides how deep a transaction must be to count as final (confirmation networks). */
function confirmations(n: NetworkConfig, env: NodeJS.ProcessEnv): Pick<NetworkConfig, 'requiredConfirmations'> {
  const key = envKey('REQUIRED_CONFIRMATIONS', n.name);
  const raw = env[key];
  if (raw === undefined) return { requiredConfirmations: n.requiredConfirmations };
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`${key}: expected a positive integer, got ${raw}`);
  return { requiredConfirmations: Number(raw) };
}

/** `NONCE_WINDOW_<NAME>` overrides how far ahead of the chain a caller-forced nonce may be. */
function nonceWindow(n: NetworkConfig, env: NodeJS.ProcessEnv): Pick<NetworkConfig, 'maxNonceAhead'> {
  const key = envKey('NONCE_WINDOW', n.name);
  const raw = env[key];
  if (raw !== undefined) {
    if (!/^\d+$/.test(raw)) throw new Error(`${key}: expected a non-negative integer, got ${raw}`);
    return { maxNonceAhead: Number(raw) };
  }
  const fromFile = n.maxNonceAhead;
  if (fromFile === undefined) return {};
  if (!(Number.isSafeInteger(fromFile) && fromFile >= 0))
    throw new Error(`network ${n.name}: maxNonceAhead must be a non-negative integer, got ${fromFile}`);
  return { maxNonceAhead: fromFile };
}

export class NetworkDirectory {
  private readonly byKey = new Map<string, NetworkConfig>();
  readonly all: readonly NetworkConfig[];

  constructor(networks: NetworkConfig[]) {
    this.all = networks;
    for (const n of networks) {
      for (const key of [n.name, n.caip2, ...(n.aliases ?? [])]) {
        if (this.byKey.has(key.toLowerCase())) throw new Error(`duplicate network name or id: ${key}`);
        this.byKey.set(key.toLowerCase(), n);
      }
    }
  }

  /** Throws `chain_unsupported` for anything unknown. */
  resolve(chain: string): NetworkConfig {
    const n = typeof chain === 'string' ? this.byKey.get(chain.trim().toLowerCase()) : undefined;
    if (!n) throw badRequest(`chain ${JSON.stringify(chain)} is not supported`, ErrorId.ChainUnsupported);
    return n;
  }
}
