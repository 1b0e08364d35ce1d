/**
 * Stellar adapter (Horizon). Accounts are ed25519 keys; transfers from one account are ordered by
 * its sequence number (`sequencing = 'nonce'`); a payment (or create_account for a new destination)
 * signed over the transaction hash; inclusion in a closed ledger is final.
 */
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import { formatAmount } from '../amount.js';
import { createNetworkPool } from '../shared/network-pool.js';
import { withClassifier } from '../shared/with-classifier.js';
import type { ChainAdapter, NetworkConfig, ResolvedToken } from '../types.js';
import { baseAccountOf, isStellarDestination, stellarAddressFromPublicKey } from './address.js';
import { resolveStellarToken } from './assets.js';
import { broadcastStellarTx } from './broadcast.js';
import { assembleStellarTx, buildStellarTx, passphraseOf } from './build.js';
import { classifyStellarError } from './errors.js';
import { HorizonClient } from './horizon.js';
import { stellarIdentityCheck } from './identity.js';
import { stellarPreflight } from './preflight.js';
import { stellarStatus } from './status.js';

const classified = withClassifier(classifyStellarError);

export function createStellarAdapter(network: NetworkConfig): ChainAdapter {
  passphraseOf(network); // fail fast on a misconfigured network
  // Every Horizon: reads rotate, submissions go to all, status only from one at the best known ledger.
  const pool = createNetworkPool(network, classifyStellarError, (url) => new HorizonClient(url));
  const servesNetwork = stellarIdentityCheck(network);

  return {
    network,
    curve: 'ed25519',
    sequencing: 'nonce',

    // Destinations: G… accounts and muxed M… addresses (SEP-23).
    validateAddress: isStellarDestination,
    addressFromPublicKey: stellarAddressFromPublicKey,
    resolveToken: (token) => resolveStellarToken(network, token),

    preflight: (intent) =>
      classified(() =>
        pool.read(async (horizon) => {
          await servesNetwork(horizon);
          return stellarPreflight(horizon, network, intent);
        }),
      ),

    /** The account's sequence + 1 (int64, kept as a decimal string). */
    getChainNonce: (address) =>
      classified(async () => {
        const acc = await pool.read((horizon) => horizon.account(address));
        if (!acc) {
          throw new BaseError(`Stellar account ${address} does not exist (unfunded)`, {
            id: ErrorId.InsufficientFunds,
            kind: 'terminal',
          });
        }
        return (BigInt(acc.sequence) + 1n).toString();
      }),

    build: async (intent, preflight, reservation) => buildStellarTx(network, intent, preflight, reservation),
    assemble: (unsigned, signatures) => {
      try {
        return assembleStellarTx(network, unsigned, signatures);
      } catch (err) {
        throw classifyStellarError(err);
      }
    },
    broadcast: (signed) =>
      classified(() => pool.broadcastAll((horizon) => classified(() => broadcastStellarTx(horizon, signed)))),
    getStatus: (hash, ctx) =>
      classified(() =>
        pool.fresh(
          async (horizon) => (await horizon.latestLedger()).sequence,
          (horizon) => stellarStatus(network, horizon, hash, ctx),
        ),
      ),
    classify: classifyStellarError,

    /** Dev networks: the (test peer's) friendbot, with an amount; credit assets only from an issuer the peer holds. */
    faucet: async (address: string, rawAmount: string, token?: ResolvedToken) => {
      if (!network.dev) {
        throw new BaseError(`no faucet on ${network.name}`, { id: ErrorId.FaucetUnavailable, kind: 'terminal' });
      }
      return classified(async () => {
        const params: Record<string, string> = { amount: formatAmount(BigInt(rawAmount), 7) };
        if (token?.kind === 'token') params.asset = token.address;
        const res = await pool.read((horizon) => horizon.friendbot(baseAccountOf(address), params));
        return res.hash ? { hash: res.hash } : {};
      });
    },
  };
}
