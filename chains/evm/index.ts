/**
 * EVM adapter (viem): EIP-1559 native and ERC-20 transfers, and caller-built contract calls (`evm_call`), on any
 * EVM network described in chains/networks/evm.json.
 */
import { type Hex, isAddress } from 'viem';
import { BaseError } from '../../errors/base.js';
import { badRequest, ErrorId } from '../../errors/codes.js';
import { withClassifier } from '../shared/with-classifier.js';
import type { BroadcastResult, ChainAdapter, NetworkConfig, ResolvedToken } from '../types.js';
import { evmAddressFromPublicKey, validateEvmAddress } from './address.js';
import { assembleEvmTransfer, buildEvmTransfer } from './build.js';
import { createEvmEndpoints } from './client.js';
import { erc20Abi } from './erc20.js';
import { classifyEvmError } from './errors.js';
import { evmPreflight, pinnedChainId } from './preflight.js';
import { buildEvmReplacement } from './replace.js';
import { evmStatus } from './status.js';

export function createEvmAdapter(network: NetworkConfig): ChainAdapter {
  const { reads: client, pool } = createEvmEndpoints(network);
  // Signed into every transaction: from the config, never from the RPC (preflight refuses an RPC that disagrees).
  const chainId = pinnedChainId(network);

  const wrap = withClassifier(classifyEvmError);

  return {
    network,
    curve: 'secp256k1',
    sequencing: 'nonce',
    requestKinds: ['evm_call'],
    validateAddress: validateEvmAddress,
    addressFromPublicKey: evmAddressFromPublicKey,

    async resolveToken(token: string): Promise<ResolvedToken> {
      const upper = token.trim().toUpperCase();
      if (upper === 'NATIVE') return { kind: 'native', symbol: network.nativeSymbol, decimals: network.nativeDecimals };
      const configured = network.tokens[upper];
      if (configured) return { kind: 'token', ...configured };
      if (!isAddress(token, { strict: false })) {
        throw badRequest(
          `token ${JSON.stringify(token)} is not NATIVE, a known symbol on ${network.name}, or a contract address`,
          ErrorId.TokenUnsupported,
        );
      }
      const known = Object.values(network.tokens).find((t) => t.address.toLowerCase() === token.toLowerCase());
      if (known) return { kind: 'token', ...known };
      const decimals = await wrap(() =>
        client.readContract({ address: token as Hex, abi: erc20Abi, functionName: 'decimals' }),
      ).catch((err: BaseError) => {
        if (err.kind === 'retryable') throw err;
        throw badRequest(`no ERC-20 token at ${token} on ${network.name}`, ErrorId.TokenUnsupported);
      });
      return { kind: 'token', address: token, decimals: Number(decimals) };
    },

    preflight: (intent) => wrap(() => evmPreflight(client, network, intent)),
    getChainNonce: (address) =>
      wrap(async () => String(await client.getTransactionCount({ address: address as Hex, blockTag: 'pending' }))),
    build: async (intent, preflight, reservation) => buildEvmTransfer(intent, preflight, reservation, chainId),
    buildReplacement: (intent, previous, request) =>
      wrap(() => buildEvmReplacement(client, network, chainId, intent, previous, request)),
    assemble: assembleEvmTransfer,

    async broadcast(signed) {
      try {
        // The same bytes to every healthy endpoint: one acceptance is enough.
        return await pool.broadcastAll<BroadcastResult>(
          async (c) => ({
            hash: await c.sendRawTransaction({ serializedTransaction: signed.raw as Hex }),
            alreadyKnown: false,
          }),
          { alreadyDone: () => ({ hash: signed.hash, alreadyKnown: true }) },
        );
      } catch (err) {
        const classified = classifyEvmError(err);
        if (classified.kind === 'already_done') return { hash: signed.hash, alreadyKnown: true };
        // "nonce too low" is success only if it is OUR transaction that used the nonce.
        if (classified.id === ErrorId.NonceConflict) {
          const ours = await client.getTransaction({ hash: signed.hash as Hex }).catch(() => null);
          if (ours) return { hash: signed.hash, alreadyKnown: true };
        }
        throw classified;
      }
    },

    // From one node at the best known head, start to end: a lagging node must not prove a nonce used by another.
    getStatus: (hash, context) =>
      wrap(() =>
        pool.fresh(
          (c) => c.getBlockNumber({ cacheTime: 0 }),
          (c) => evmStatus(c, network, hash, context),
        ),
      ),
    classify: classifyEvmError,

    async faucet(address, rawAmount) {
      if (!network.dev) throw new BaseError('faucet only exists on dev chains', { id: ErrorId.FaucetUnavailable });
      await wrap(async () => {
        const balance = await client.getBalance({ address: address as Hex });
        await client.request({
          method: 'anvil_setBalance' as never,
          params: [address, `0x${(balance + BigInt(rawAmount)).toString(16)}`] as never,
        });
      });
      return {};
    },
  };
}
