/**
 * Tron adapter: TRX (TransferContract) and TRC-20 (TriggerSmartContract transfer) over a java-tron full node's
 * HTTP API. No nonces (`sequencing: 'none'`): replay protection is the TaPoS reference block + expiration,
 * so a transaction that is not on chain after its expiration can never land and must be rebuilt.
 */
import { BaseError } from '../../errors/base.js';
import { badRequest, ErrorId } from '../../errors/codes.js';
import { createNetworkPool } from '../shared/network-pool.js';
import { withClassifier } from '../shared/with-classifier.js';
import type { ChainAdapter, NetworkConfig, ResolvedToken } from '../types.js';
import { tronAddressFromPublicKey, tronAddressToHex, validateTronAddress } from './address.js';
import { assembleTronTransfer } from './assemble.js';
import { tronBroadcast } from './broadcast.js';
import { buildTronTransfer } from './build.js';
import { classifyTronError } from './errors.js';
import { TronHttpClient } from './http.js';
import { tronIdentityCheck } from './identity.js';
import { constantCallFailed, loadFeeParams, type TronFeeParams, tronPreflight } from './preflight.js';
import { tronStatus } from './status.js';
import { decodeUint } from './trc20.js';

/** Chain parameters change by on-chain proposal, rarely: re-read them every 10 minutes. */
const FEE_PARAMS_TTL_MS = 10 * 60_000;

export function createTronAdapter(network: NetworkConfig): ChainAdapter {
  const params = network.params ?? {};
  // Every endpoint: reads rotate, broadcasts go to all, status only from a node at the best known head.
  const pool = createNetworkPool(
    network,
    classifyTronError,
    (url) =>
      new TronHttpClient(url, {
        solidityUrl: typeof params.solidityUrl === 'string' ? params.solidityUrl : undefined,
        apiKey: process.env.TRON_PRO_API_KEY,
      }),
  );

  let feeCache: { at: number; value: Promise<TronFeeParams> } | undefined;
  const fees = (): Promise<TronFeeParams> => {
    if (!feeCache || Date.now() - feeCache.at > FEE_PARAMS_TTL_MS) {
      const value = pool.read((client) => loadFeeParams(client));
      value.catch(() => {
        feeCache = undefined;
      });
      feeCache = { at: Date.now(), value };
    }
    return feeCache.value;
  };

  const wrap = withClassifier(classifyTronError);
  const servesNetwork = tronIdentityCheck(network);

  const postTestEndpoint = async (base: string, path: string, body: unknown): Promise<{ txid?: string }> => {
    const res = await fetch(base.replace(/\/+$/, '') + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok)
      throw new BaseError(`faucet failed: HTTP ${res.status}`, {
        id: ErrorId.FaucetUnavailable,
        details: text.slice(0, 300),
      });
    return JSON.parse(text) as { txid?: string };
  };

  return {
    network,
    curve: 'secp256k1',
    sequencing: 'none',
    validateAddress: validateTronAddress,
    addressFromPublicKey: tronAddressFromPublicKey,

    async resolveToken(token: string): Promise<ResolvedToken> {
      const trimmed = token.trim();
      if (trimmed.toUpperCase() === 'NATIVE' || trimmed.toUpperCase() === network.nativeSymbol.toUpperCase()) {
        return { kind: 'native', symbol: network.nativeSymbol, decimals: network.nativeDecimals };
      }
      const bySymbol = network.tokens[trimmed.toUpperCase()];
      if (bySymbol) return { kind: 'token', ...bySymbol };
      const unsupported = () =>
        badRequest(
          `token ${JSON.stringify(token)} is not NATIVE, a known symbol on ${network.name}, or a TRC-20 contract`,
          ErrorId.TokenUnsupported,
        );
      if (!validateTronAddress(trimmed)) throw unsupported();
      const byAddress = Object.values(network.tokens).find((t) => t.address === trimmed);
      if (byAddress) return { kind: 'token', ...byAddress };
      // Unknown contract: read decimals() on chain (any caller address works for a constant call).
      const res = await wrap(() =>
        pool.read((client) => client.triggerConstant(trimmed, trimmed, 'decimals()', '')),
      ).catch((err: BaseError) => {
        if (err.kind === 'retryable') throw err;
        throw unsupported();
      });
      const word = res.constant_result?.[0];
      if (constantCallFailed(res) || !word) throw unsupported();
      const decimals = Number(decodeUint(word));
      if (!Number.isInteger(decimals) || decimals > 77) throw unsupported();
      return { kind: 'token', address: trimmed, decimals };
    },

    preflight: (intent) =>
      wrap(() =>
        pool.read(async (client) => {
          await servesNetwork(client);
          return tronPreflight(client, network, fees, intent);
        }),
      ),
    build: async (intent, preflight) => buildTronTransfer(intent, preflight),
    assemble: assembleTronTransfer,
    broadcast: (signed) => pool.broadcastAll((client) => tronBroadcast(client, signed)),
    getStatus: (hash, context) =>
      wrap(() =>
        pool.fresh(
          async (client) => (await client.getNowBlock()).block_header.raw_data.number ?? 0,
          (client) => tronStatus(client, hash, context),
        ),
      ),
    classify: classifyTronError,

    async faucet(address, rawAmount, token) {
      if (!network.dev) throw new BaseError('faucet only exists on dev chains', { id: ErrorId.FaucetUnavailable });
      if (!validateTronAddress(address)) throw badRequest('faucet address is not a Tron address', ErrorId.BadTo);
      // Test-peer endpoints (test/peers/tron): not part of any real Tron node.
      const res = await pool.read((_client, ep) =>
        token?.kind === 'token'
          ? postTestEndpoint(ep.url, '/test/mint', { contract: token.address, address, amount: rawAmount })
          : postTestEndpoint(ep.url, '/test/fund', { address: tronAddressToHex(address), amount: rawAmount }),
      );
      return res.txid ? { hash: res.txid } : {};
    },
  };
}
