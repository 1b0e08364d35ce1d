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

function envKey(name: string, prefix = 'RPC_URL'): string {
  return `${prefix}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Env overrides of a network's endpoints: `RPC_URL_<NAME>`, and for Bitcoin `ESPLORA_URL_<NAME>`, `BITCOIN_BACKEND_<NAME>`. */
function withEnv(n: NetworkConfig, env: NodeJS.ProcessEnv): NetworkConfig {
  const out: NetworkConfig = { ...n, rpcUrl: env[envKey(n.name)] ?? n.rpcUrl };
  const esploraUrl = env[envKey(n.name, 'ESPLORA_URL')];
  if (esploraUrl) out.esploraUrl = esploraUrl;
  const backend = env[envKey(n.name, 'BITCOIN_BACKEND')];
  if (backend) out.params = { ...n.params, backend };
  return out;
}

export function loadNetworks(env: NodeJS.ProcessEnv = process.env): NetworkConfig[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const all: NetworkConfig[] = [];
  for (const f of files) {
    const list = JSON.parse(readFileSync(join(dir, f), 'utf8')) as NetworkConfig[];
    for (const n of list) all.push({ ...withEnv(n, env), feeCaps: resolveFeeCaps(n, env), ...stuckAfter(n, env) });
  }
  return all;
}

/** `STUCK_AFTER_MS_<NAME>` overrides how long an unincluded transaction waits before its fee is bumped. */
function stuckAfter(n: NetworkConfig, env: NodeJS.ProcessEnv): Pick<NetworkConfig, 'stuckAfterMs'> {
  const raw = env[`STUCK_AFTER_MS_${n.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
  if (raw === undefined) return n.stuckAfterMs === undefined ? {} : { stuckAfterMs: n.stuckAfterMs };
  if (!/^\d+$/.test(raw)) throw new Error(`STUCK_AFTER_MS_${n.name}: expected milliseconds, got ${raw}`);
  return { stuckAfterMs: Number(raw) };
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
