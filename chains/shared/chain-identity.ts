/**
 * Chain identity: before anything is signed, the endpoint must prove it serves the network the config names
 * (EVM chain id, Solana genesis hash, Stellar network passphrase, Tron genesis block id). A wrong URL is a
 * misconfiguration, not a transient fault: terminal `rpc_chain_mismatch`.
 */
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { NetworkConfig } from '../types.js';

export function chainMismatch(network: NetworkConfig, what: string, served: string, expected: string): BaseError {
  return new BaseError(`the RPC for ${network.name} serves ${what} ${served}, not ${expected}; refusing to sign`, {
    id: ErrorId.RpcChainMismatch,
    kind: 'terminal',
  });
}

/**
 * Runs `verify` once per client (endpoint) and remembers success; a failure (mismatch or RPC error) is not
 * remembered, so the next call checks again. The identity of a node does not change while a process runs.
 */
export function verifiedOnce<C extends object>(verify: (client: C) => Promise<void>): (client: C) => Promise<void> {
  const verified = new WeakMap<C, Promise<void>>();
  return (client) => {
    let check = verified.get(client);
    if (!check) {
      check = verify(client);
      verified.set(client, check);
      check.catch(() => verified.delete(client));
    }
    return check;
  };
}
