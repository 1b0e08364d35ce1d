/**
 * A public network's entry from chains/networks/*.json (its fee rules, floors, OP-stack params, tokens) served by the
 * test's anvil: anvil's chain id, one RPC URL (anvil itself or a rule-enforcing proxy in front of it), 2 confirmations.
 * It replaces `anvil` in the registry (one network per chain id).
 */
import type { NetworkConfig } from '../../chains/types.js';

export function networkOnAnvil(
  networks: NetworkConfig[],
  name: string,
  localName: string,
  rpcUrl: string,
): NetworkConfig {
  const entry = networks.find((n) => n.name === name);
  const local = networks.find((n) => n.name === 'anvil');
  if (!entry || !local) throw new Error(`no ${entry ? 'anvil' : name} entry in chains/networks`);
  const { rpcUrls: _drop, ...rest } = entry;
  return {
    ...rest,
    name: localName,
    caip2: local.caip2,
    rpcUrl,
    requiredConfirmations: 2,
    finality: 'confirmations',
    blockTimeMs: local.blockTimeMs,
    pollIntervalMs: local.pollIntervalMs,
    dev: true,
  };
}

/** The registry's networks with `anvil` swapped for `replacement`. */
export function insteadOfAnvil(networks: NetworkConfig[], replacement: NetworkConfig): NetworkConfig[] {
  return [...networks.filter((n) => n.name !== 'anvil'), replacement];
}
