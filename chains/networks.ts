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

function envKey(prefix: 'RPC_URL' | 'RPC_URLS', name: string): string {
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

export function loadNetworks(env: NodeJS.ProcessEnv = process.env): NetworkConfig[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const all: NetworkConfig[] = [];
  for (const f of files) {
    const list = JSON.parse(readFileSync(join(dir, f), 'utf8')) as NetworkConfig[];
    for (const n of list) {
      const rpcUrls = resolveRpcUrls(n, env);
      all.push({ ...n, rpcUrl: rpcUrls[0]!, rpcUrls, feeCaps: resolveFeeCaps(n, env) });
    }
  }
  return all;
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
