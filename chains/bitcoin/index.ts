/**
 * Bitcoin adapter (native BTC from P2WPKH wallets) over an Esplora HTTP server (public networks) or a
 * Bitcoin Core node's JSON-RPC (regtest): see backend.ts.
 *
 * Flow: preflight (fee rate, spendable outputs) → listUtxos / selectUtxos (the workflow reserves the picked
 * outpoints) → build (BIP143 digest per input) → assemble (witness [sig, pubkey]) → broadcast → getStatus.
 * A Core node needs -txindex; address parameters come from `network.params`.
 */
import { badRequest, chainError, ErrorId } from '../../errors/codes.js';
import { createNetworkPool } from '../shared/network-pool.js';
import { withClassifier } from '../shared/with-classifier.js';
import type { ChainAdapter, NetworkConfig, ResolvedToken } from '../types.js';
import { bitcoinjsNetwork, isValidAddress, p2wpkhAddress } from './address.js';
import { backendKindOf } from './backend.js';
import { assembleSigned, buildUnsigned } from './build.js';
import { createCoreBackend } from './core-backend.js';
import { regtestFaucet } from './dev-faucet.js';
import { classifyBitcoinError } from './errors.js';
import { createEsploraBackend } from './esplora-backend.js';
import { type BitcoinPreflightContext, runPreflight, senderScript, spendRequest } from './preflight.js';
import { buildBitcoinReplacement } from './replace.js';
import { createBitcoinRpc } from './rpc.js';
import { planWithInputs, selectCoins } from './utxo.js';

export function createBitcoinAdapter(network: NetworkConfig): ChainAdapter {
  const net = bitcoinjsNetwork(network);
  // Every Core RPC endpoint (reads rotate, broadcasts go to all, status from a node at the best height).
  const rpcs = createNetworkPool(network, classifyBitcoinError, (url) => createBitcoinRpc(url));
  const backend =
    backendKindOf(network) === 'esplora' ? createEsploraBackend(network, net) : createCoreBackend(network, rpcs);
  const native: ResolvedToken = { kind: 'native', symbol: network.nativeSymbol, decimals: network.nativeDecimals };

  const guarded = withClassifier(classifyBitcoinError);

  function feeRateOf(context: Record<string, unknown>): bigint {
    const v = (context as Partial<BitcoinPreflightContext>).feeRateSatPerKvB;
    if (typeof v !== 'string' || !/^\d+$/.test(v))
      throw badRequest('preflight context has no fee rate', ErrorId.BadRequest);
    return BigInt(v);
  }

  const adapter: ChainAdapter = {
    network,
    curve: 'secp256k1',
    sequencing: 'utxo',

    validateAddress: (address) => isValidAddress(address, net),

    addressFromPublicKey: (publicKeyHex) => p2wpkhAddress(publicKeyHex, net),

    resolveToken(token) {
      const t = token.trim();
      if (t.toUpperCase() === 'NATIVE' || t.toUpperCase() === network.nativeSymbol.toUpperCase()) return native;
      throw badRequest(`token ${JSON.stringify(token)} is not supported on ${network.name}`, ErrorId.TokenUnsupported);
    },

    preflight: (intent) => guarded(() => runPreflight(backend, network, net, intent)),

    listUtxos: (address) => guarded(() => backend.listUtxos(address)),

    selectUtxos(intent, preflight, available) {
      return selectCoins(available, spendRequest(intent, net, feeRateOf(preflight.context))).inputs;
    },

    build: (intent, preflight, reservation) =>
      guarded(async () => {
        const utxos = reservation.utxos ?? [];
        if (utxos.length === 0) throw badRequest('bitcoin build needs reserved inputs', ErrorId.BadRequest);
        const satPerKvB = feeRateOf(preflight.context);
        const req = spendRequest(intent, net, satPerKvB);
        const publicKey = senderScript(intent, net).publicKey;
        const script = req.changeScript;
        const own = Buffer.from(script).toString('hex');
        if (utxos.some((u) => u.scriptPubKey.toLowerCase() !== own)) {
          throw chainError(ErrorId.BadRequest, 'a reserved input does not belong to the sender', 'terminal');
        }
        const plan = planWithInputs(utxos, req);
        // The reserved inputs may differ from preflight's estimate (and dust change joins the fee): check again.
        if (intent.maxFee !== undefined && plan.fee > BigInt(intent.maxFee))
          throw chainError(
            ErrorId.FeeCapExceeded,
            `the fee with the reserved inputs, ${plan.fee} sat, is above this request's maxFee ${intent.maxFee} sat`,
            'terminal',
          );
        return buildUnsigned({
          chain: network.name,
          plan,
          amount: req.amount,
          from: intent.from.address,
          to: intent.to,
          toScript: req.toScript,
          changeScript: script,
          publicKey,
          satPerKvB,
        });
      }),

    assemble: (unsigned, signatures) => assembleSigned(unsigned, signatures),

    broadcast: (signed) => guarded(() => backend.broadcast(signed)),

    getStatus: (hash, context) => guarded(() => backend.status(hash, context)),

    buildReplacement: (intent, previous, request) =>
      guarded(() => buildBitcoinReplacement(backend, network, net, intent, previous, request)),

    classify: classifyBitcoinError,
  };

  if (network.dev) {
    adapter.faucet = (address, rawAmount, token) =>
      guarded(() => {
        if (token && token.kind !== 'native')
          throw badRequest('the regtest faucet pays native coins only', ErrorId.TokenUnsupported);
        return rpcs.read((rpc) => regtestFaucet(adapter, rpc, address, BigInt(rawAmount)));
      });
  }
  return adapter;
}
