/**
 * Solana adapter (@solana/web3.js v1): SOL and SPL token (Token / Token-2022) transfers, and caller-built
 * transactions (`solana_transaction` requests), on any network in chains/networks/solana.json. No sequencing:
 * a transaction is bound to a recent blockhash instead of a nonce, and its signature is its id, so resending is
 * always safe.
 */
import { PublicKey } from '@solana/web3.js';
import { BaseError } from '../../errors/base.js';
import { badRequest, ErrorId } from '../../errors/codes.js';
import { createNetworkPool } from '../shared/network-pool.js';
import { withClassifier } from '../shared/with-classifier.js';
import type { ChainAdapter, NetworkConfig, ResolvedToken } from '../types.js';
import { solanaAddressFromPublicKey, validateSolanaAddress } from './address.js';
import { solanaBroadcast } from './broadcast.js';
import { assembleSolanaTransfer, buildSolanaTransfer } from './build.js';
import { classifySolanaError } from './errors.js';
import { solanaIdentityCheck } from './identity.js';
import { solanaPreflight } from './preflight.js';
import { assembleSolanaRequest, buildSolanaRequest, solanaRequestPreflight } from './request.js';
import { COMMITMENT, createSolanaRpc } from './rpc.js';
import { solanaStatus } from './status.js';

const TOKEN_PROGRAMS = ['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'];

export function createSolanaAdapter(network: NetworkConfig): ChainAdapter {
  // Every endpoint: reads rotate, sends go to all, status only from a node at the best known height.
  const pool = createNetworkPool(network, classifySolanaError, (url) => createSolanaRpc(url));

  const wrap = withClassifier(classifySolanaError);
  const servesNetwork = solanaIdentityCheck(network);

  return {
    network,
    curve: 'ed25519',
    sequencing: 'none',
    requestKinds: ['solana_transaction'],
    validateAddress: validateSolanaAddress,
    addressFromPublicKey: solanaAddressFromPublicKey,

    async resolveToken(token: string): Promise<ResolvedToken> {
      const trimmed = token.trim();
      const upper = trimmed.toUpperCase();
      if (upper === 'NATIVE' || upper === network.nativeSymbol.toUpperCase()) {
        return { kind: 'native', symbol: network.nativeSymbol, decimals: network.nativeDecimals };
      }
      const configured = network.tokens[upper];
      if (configured) return { kind: 'token', ...configured };
      if (!validateSolanaAddress(trimmed)) {
        throw badRequest(
          `token ${JSON.stringify(token)} is not NATIVE, a known symbol on ${network.name}, or a mint address`,
          ErrorId.TokenUnsupported,
        );
      }
      const known = Object.values(network.tokens).find((t) => t.address === trimmed);
      if (known) return { kind: 'token', ...known };
      // An arbitrary mint: read its decimals on chain (byte 44 of the mint account).
      const acc = await wrap(() =>
        pool.read((rpc) => rpc.connection.getAccountInfo(new PublicKey(trimmed), COMMITMENT)),
      );
      if (!acc || !TOKEN_PROGRAMS.includes(acc.owner.toBase58()) || acc.data.length < 82) {
        throw badRequest(`no SPL token mint at ${trimmed} on ${network.name}`, ErrorId.TokenUnsupported);
      }
      return { kind: 'token', address: trimmed, decimals: acc.data[44]! };
    },

    preflight: (intent) =>
      wrap(() =>
        pool.read(async (rpc) => {
          await servesNetwork(rpc);
          return intent.request?.kind === 'solana_transaction'
            ? solanaRequestPreflight(rpc, network, intent, intent.request)
            : solanaPreflight(rpc, network, intent);
        }),
      ),
    build: async (intent, preflight) =>
      intent.request?.kind === 'solana_transaction'
        ? buildSolanaRequest(intent, intent.request, preflight)
        : buildSolanaTransfer(intent, preflight),
    assemble: (unsigned, signatures) =>
      unsigned.details.kind === 'prebuilt'
        ? assembleSolanaRequest(unsigned, signatures)
        : assembleSolanaTransfer(unsigned, signatures),
    broadcast: (signed) => pool.broadcastAll((rpc) => solanaBroadcast(rpc, signed)),
    // The head is the finalized block height, the one the expiry proof compares with lastValidBlockHeight.
    getStatus: (hash, context) =>
      wrap(() =>
        pool.fresh(
          (rpc) => rpc.connection.getBlockHeight('finalized'),
          (rpc) => solanaStatus(rpc, hash, context),
        ),
      ),
    classify: classifySolanaError,

    /** requestAirdrop, as on a local validator or devnet; native SOL only. */
    async faucet(address, rawAmount, token) {
      if (!network.dev && !network.testnet) {
        throw new BaseError('faucet only exists on dev and test networks', { id: ErrorId.FaucetUnavailable });
      }
      if (token && token.kind !== 'native') {
        throw new BaseError('the Solana faucet only airdrops SOL', { id: ErrorId.FaucetUnavailable });
      }
      const hash = await wrap(() =>
        pool.read((rpc) => rpc.connection.requestAirdrop(new PublicKey(address), Number(rawAmount))),
      );
      // Return once the airdrop is visible at the adapter's commitment, so the next preflight sees the funds.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const { value } = await wrap(() => pool.read((rpc) => rpc.connection.getSignatureStatuses([hash])));
        const s = value[0];
        if (s?.err)
          throw new BaseError('airdrop failed', { id: ErrorId.FaucetUnavailable, details: JSON.stringify(s.err) });
        if (s?.confirmationStatus === 'confirmed' || s?.confirmationStatus === 'finalized') return { hash };
        await new Promise((r) => setTimeout(r, Math.min(network.blockTimeMs, 500)));
      }
      throw new BaseError('airdrop not confirmed in 30 s', { id: ErrorId.FaucetUnavailable, kind: 'retryable' });
    },
  };
}
