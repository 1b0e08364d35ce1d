/** Stellar chain identity: Horizon's root document names its network passphrase; it must be the config's. */
import { chainMismatch, verifiedOnce } from '../shared/chain-identity.js';
import type { NetworkConfig } from '../types.js';
import { passphraseOf } from './build.js';
import type { HorizonClient } from './horizon.js';

export function stellarIdentityCheck(network: NetworkConfig): (horizon: HorizonClient) => Promise<void> {
  const expected = passphraseOf(network);
  return verifiedOnce(async (horizon) => {
    const served = (await horizon.root()).network_passphrase;
    if (served !== expected)
      throw chainMismatch(network, 'network passphrase', JSON.stringify(served ?? null), JSON.stringify(expected));
  });
}
