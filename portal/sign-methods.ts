/**
 * POST /v1/sign: Portal's signer RPC methods, turned into MPC signing payloads.
 *
 * EVM (secp256k1 share): personal_sign / eth_sign (EIP-191, viem hashMessage), eth_signTypedData_v4
 * (EIP-712, viem hashTypedData), eth_signTransaction (viem serializes the tx, missing nonce/gas/fees
 * come from the network's RPC; the keccak of the serialized tx is signed → signed raw tx hex).
 * Solana (ed25519 share): sol_signMessage (→ base58 signature), sol_signTransaction (→ signed tx, base64).
 * `eth_sendTransaction` and `sol_signAndSendTransaction` are answered by the transfer workflow (`sendIntent`,
 * `solanaSendIntent`): signed once, stored before broadcast, tracked to finality like any transfer.
 */
import { VersionedTransaction } from '@solana/web3.js';
import {
  decodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  hashMessage,
  hashTypedData,
  isAddress,
  isHex,
  keccak256,
  serializeSignature,
  serializeTransaction,
  type TransactionSerializable,
  type TypedDataDefinition,
} from 'viem';
import { formatAmount } from '../chains/amount.js';
import { createEvmFallbackClient } from '../chains/evm/client.js';
import { evmFeeLimits } from '../chains/evm/fees.js';
import { base58Decode, base58Encode } from '../chains/shared/base58.js';
import { rpcUrlsOf } from '../chains/shared/network-pool.js';
import { summarizeSolanaTransaction } from '../chains/solana/request.js';
import type { ChainAdapter, EvmCallRequest, Signature, TransactionRequest } from '../chains/types.js';
import { isBaseError } from '../errors/base.js';
import { badRequest } from '../errors/codes.js';

export const SIGN_METHODS = [
  'personal_sign',
  'eth_sign',
  'eth_signTypedData_v4',
  'eth_signTransaction',
  'eth_sendTransaction',
  'sol_signMessage',
  'sol_signTransaction',
  'sol_signAndSendTransaction',
] as const;
export type SignMethod = (typeof SIGN_METHODS)[number];

export interface SignTarget {
  adapter: ChainAdapter;
  /** The wallet's address on this network. */
  address: string;
  /** Signs a payload (secp256k1: 32-byte digest hex; ed25519: message hex) with the MPC wallet. */
  sign(payloadHex: string): Promise<Signature>;
}

type Json = unknown;

function parseParams(params: string): Json[] {
  let v: unknown;
  try {
    v = JSON.parse(params);
  } catch {
    throw badRequest('params must be a JSON string of the method parameters');
  }
  return Array.isArray(v) ? v : [v];
}

const strip = (h: string) => (h.startsWith('0x') ? h.slice(2) : h);

function evmSignatureHex(sig: Signature): Hex {
  const sigHex = sig.signature;
  return serializeSignature({
    r: `0x${sigHex.slice(0, 64)}`,
    s: `0x${sigHex.slice(64, 128)}`,
    yParity: sig.recovery ?? 0,
  });
}

function checkFrom(target: SignTarget, from: unknown, what: string): void {
  if (from === undefined || from === null || from === '') return;
  if (typeof from !== 'string' || from.toLowerCase() !== target.address.toLowerCase())
    throw badRequest(`${what} is not this wallet's address (${target.address})`);
}

function messageHash(message: unknown): Hex {
  if (typeof message !== 'string') throw badRequest('the message must be a string (text or 0x-prefixed hex)');
  return hashMessage(isHex(message) ? { raw: message } : message);
}

function evmChainId(adapter: ChainAdapter): number {
  const [ns, ref] = adapter.network.caip2.split(':');
  if (ns !== 'eip155' || !ref) throw badRequest(`${adapter.network.caip2} is not an EVM chain`);
  return Number(ref);
}

const big = (v: unknown, field: string): bigint | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  try {
    return BigInt(v as string | number);
  } catch {
    throw badRequest(`transaction.${field} must be a number or hex quantity`);
  }
};

/** A Portal/EIP-1193 transaction object → viem serializable tx; missing nonce/gas/fees from the RPC. */
async function evmTransaction(target: SignTarget, tx: Record<string, unknown>): Promise<TransactionSerializable> {
  const chainId = evmChainId(target.adapter);
  checkFrom(target, tx.from, 'transaction.from');
  if (tx.chainId !== undefined && Number(big(tx.chainId, 'chainId')) !== chainId)
    throw badRequest(`transaction.chainId does not match chainId ${target.adapter.network.caip2}`);
  if (tx.to !== undefined && tx.to !== null && (typeof tx.to !== 'string' || !isAddress(tx.to, { strict: false })))
    throw badRequest('transaction.to is not an address');
  const data = typeof tx.data === 'string' && tx.data !== '' ? (tx.data as Hex) : undefined;
  if (data && !isHex(data)) throw badRequest('transaction.data must be 0x-prefixed hex');
  const to = typeof tx.to === 'string' ? getAddress(tx.to) : undefined;
  const value = big(tx.value, 'value') ?? 0n;
  const client = createEvmFallbackClient(rpcUrlsOf(target.adapter.network));
  const from = getAddress(target.address);
  const nonce =
    big(tx.nonce, 'nonce') ?? BigInt(await client.getTransactionCount({ address: from, blockTag: 'pending' }));
  const gas = big(tx.gas ?? tx.gasLimit, 'gas') ?? (await client.estimateGas({ account: from, to, value, data }));
  const gasPrice = big(tx.gasPrice, 'gasPrice');
  if (gasPrice !== undefined) return { type: 'legacy', chainId, nonce: Number(nonce), to, value, data, gas, gasPrice };
  let maxFeePerGas = big(tx.maxFeePerGas, 'maxFeePerGas');
  let maxPriorityFeePerGas = big(tx.maxPriorityFeePerGas, 'maxPriorityFeePerGas');
  if (maxFeePerGas === undefined || maxPriorityFeePerGas === undefined) {
    const fees = await client.estimateFeesPerGas();
    // The network's floor (Polygon's 25 gwei) over the node's suggestion, the max fee raised by as much.
    const floor = evmFeeLimits(target.adapter.network).minPriorityFeePerGas;
    const raise = fees.maxPriorityFeePerGas < floor ? floor - fees.maxPriorityFeePerGas : 0n;
    maxFeePerGas ??= fees.maxFeePerGas + raise;
    maxPriorityFeePerGas ??= fees.maxPriorityFeePerGas + raise;
  }
  return { type: 'eip1559', chainId, nonce: Number(nonce), to, value, data, gas, maxFeePerGas, maxPriorityFeePerGas };
}

/** What a `*_sendTransaction` method maps to: a send the transfer workflow runs. */
export interface SendIntent {
  to: string;
  token: string;
  amount: string;
  nonce?: string;
  /** A caller-built transaction (anything but a plain native or ERC-20 transfer). */
  request?: TransactionRequest;
}

const quantity = (v: bigint | undefined): string | undefined => (v === undefined ? undefined : v.toString());

/**
 * eth_sendTransaction → the transfer workflow. A plain native value transfer or an ERC-20 `transfer(to, amount)`
 * becomes an ordinary transfer (recorded with its token and amount); any other call is sent as an `evm_call`
 * request with its calldata and value, the nonce from our sequencer (unless given) and the caller's gas and
 * EIP-1559 fee caps when present. Contract creation (no `to`) is refused.
 */
export async function sendIntent(target: SignTarget, params: string): Promise<SendIntent> {
  const tx = parseParams(params)[0] as Record<string, unknown> | undefined;
  if (!tx || typeof tx !== 'object') throw badRequest('eth_sendTransaction params must be [transaction]');
  checkFrom(target, tx.from, 'transaction.from');
  const chainId = evmChainId(target.adapter);
  if (tx.chainId !== undefined && Number(big(tx.chainId, 'chainId')) !== chainId)
    throw badRequest(`transaction.chainId does not match chainId ${target.adapter.network.caip2}`);
  const nonce = big(tx.nonce, 'nonce');
  const nonceHex = nonce === undefined ? {} : { nonce: `0x${nonce.toString(16)}` };
  if (tx.to === undefined || tx.to === null || tx.to === '')
    throw badRequest(
      'eth_sendTransaction without transaction.to (contract creation) is not supported; sign it with eth_signTransaction',
    );
  if (typeof tx.to !== 'string' || !isAddress(tx.to, { strict: false }))
    throw badRequest('transaction.to is not an address');
  const to = getAddress(tx.to);
  const data = typeof tx.data === 'string' ? tx.data : typeof tx.input === 'string' ? tx.input : '';
  if (data !== '' && !isHex(data)) throw badRequest('transaction.data must be 0x-prefixed hex');
  const value = big(tx.value, 'value') ?? 0n;
  const decimals = target.adapter.network.nativeDecimals;
  if (data === '' || data === '0x') {
    if (value <= 0n) throw badRequest('eth_sendTransaction without data must carry a value');
    return { to, token: 'NATIVE', amount: formatAmount(value, decimals), ...nonceHex };
  }
  let call: { functionName: string; args: readonly unknown[] } | undefined;
  try {
    call = decodeFunctionData({ abi: erc20Abi, data: data as Hex });
  } catch {
    call = undefined;
  }
  if (call?.functionName === 'transfer' && value === 0n) {
    const [recipient, raw] = call.args as [string, bigint];
    const token = await Promise.resolve()
      .then(() => target.adapter.resolveToken(to))
      .catch((err: unknown) => {
        if (isBaseError(err) && err.kind === 'retryable') throw err;
        return undefined; // no decimals(): not a token contract
      });
    // A contract that answers decimals(): an ERC-20 transfer, recorded as one. Otherwise it is just a call.
    if (token?.kind === 'token')
      return { to: getAddress(recipient), token: to, amount: formatAmount(raw, token.decimals), ...nonceHex };
  }
  const gas = quantity(big(tx.gas ?? tx.gasLimit, 'gas'));
  const gasPrice = big(tx.gasPrice, 'gasPrice');
  const maxFeePerGas = quantity(big(tx.maxFeePerGas, 'maxFeePerGas') ?? gasPrice);
  const maxPriorityFeePerGas = quantity(big(tx.maxPriorityFeePerGas, 'maxPriorityFeePerGas') ?? gasPrice);
  if ((maxFeePerGas === undefined) !== (maxPriorityFeePerGas === undefined))
    throw badRequest('give both transaction.maxFeePerGas and transaction.maxPriorityFeePerGas, or neither');
  if (maxFeePerGas !== undefined && BigInt(maxPriorityFeePerGas!) > BigInt(maxFeePerGas))
    throw badRequest('transaction.maxPriorityFeePerGas cannot exceed transaction.maxFeePerGas');
  const request: EvmCallRequest = {
    kind: 'evm_call',
    data: data.toLowerCase(),
    ...(gas !== undefined ? { gas } : {}),
    ...(maxFeePerGas !== undefined ? { maxFeePerGas, maxPriorityFeePerGas: maxPriorityFeePerGas! } : {}),
  };
  return { to, token: 'NATIVE', amount: formatAmount(value, decimals), ...nonceHex, request };
}

/**
 * sol_signAndSendTransaction → the transfer workflow with the caller's serialized transaction. Recorded with the
 * program it calls as `to` and the lamports the wallet sends through System Program transfers as `amount`.
 */
export function solanaSendIntent(target: SignTarget, params: string): SendIntent {
  const p = parseParams(params);
  if (typeof p[0] !== 'string')
    throw badRequest('sol_signAndSendTransaction params must be [serialized transaction (base64 or base58)]');
  const tx = deserializeSolana(p[0]);
  const summary = summarizeSolanaTransaction(tx, target.address);
  return {
    to: summary.program,
    token: 'NATIVE',
    amount: formatAmount(summary.lamportsOut, target.adapter.network.nativeDecimals),
    request: { kind: 'solana_transaction', transaction: Buffer.from(tx.serialize()).toString('base64') },
  };
}

/** A serialized Solana transaction, base64 (wallet-adapter style) or base58. */
function deserializeSolana(text: string): VersionedTransaction {
  for (const decode of [(t: string) => Buffer.from(t, 'base64'), base58Decode]) {
    try {
      const tx = VersionedTransaction.deserialize(decode(text));
      if (tx.message.staticAccountKeys.length > 0) return tx;
    } catch {
      // try the next encoding
    }
  }
  throw badRequest('params[0] is not a serialized Solana transaction (base64 or base58)');
}

/** Runs a signing method; returns Portal's `data`. */
export async function signWithMethod(method: SignMethod, params: string, target: SignTarget): Promise<string> {
  const family = target.adapter.network.family;
  const evm = method.startsWith('eth_') || method === 'personal_sign';
  if (evm && family !== 'evm') throw badRequest(`${method} needs an EVM chainId (eip155:…)`);
  if (!evm && family !== 'solana') throw badRequest(`${method} needs a Solana chainId (solana:…)`);
  const p = parseParams(params);

  switch (method) {
    case 'personal_sign': {
      checkFrom(target, p[1], 'params[1]');
      return evmSignatureHex(await target.sign(strip(messageHash(p[0]))));
    }
    case 'eth_sign': {
      checkFrom(target, p[0], 'params[0]');
      return evmSignatureHex(await target.sign(strip(messageHash(p[1]))));
    }
    case 'eth_signTypedData_v4': {
      checkFrom(target, p[0], 'params[0]');
      let typed = p[1];
      if (typeof typed === 'string') {
        try {
          typed = JSON.parse(typed);
        } catch {
          throw badRequest('params[1] must be EIP-712 typed data (object or JSON string)');
        }
      }
      let digest: Hex;
      try {
        digest = hashTypedData(typed as TypedDataDefinition);
      } catch (err) {
        throw badRequest(`params[1] is not valid EIP-712 typed data: ${(err as Error).message.split('\n')[0]}`);
      }
      return evmSignatureHex(await target.sign(strip(digest)));
    }
    case 'eth_signTransaction': {
      const tx = p[0];
      if (!tx || typeof tx !== 'object') throw badRequest('eth_signTransaction params must be [transaction]');
      const unsigned = await evmTransaction(target, tx as Record<string, unknown>);
      const sig = await target.sign(strip(keccak256(serializeTransaction(unsigned))));
      return serializeTransaction(unsigned, {
        r: `0x${sig.signature.slice(0, 64)}`,
        s: `0x${sig.signature.slice(64, 128)}`,
        yParity: sig.recovery ?? 0,
      });
    }
    case 'sol_signMessage': {
      if (typeof p[0] !== 'string') throw badRequest('sol_signMessage params must be [message]');
      const sig = await target.sign(Buffer.from(p[0], 'utf8').toString('hex'));
      return base58Encode(Buffer.from(sig.signature, 'hex'));
    }
    case 'sol_signTransaction': {
      if (typeof p[0] !== 'string')
        throw badRequest('sol_signTransaction params must be [serialized transaction (base64 or base58)]');
      const tx = deserializeSolana(p[0]);
      const signers = tx.message.staticAccountKeys
        .slice(0, tx.message.header.numRequiredSignatures)
        .map((k) => k.toBase58());
      const index = signers.indexOf(target.address);
      if (index < 0) throw badRequest(`this wallet (${target.address}) is not a required signer of the transaction`);
      const sig = await target.sign(Buffer.from(tx.message.serialize()).toString('hex'));
      tx.signatures[index] = Uint8Array.from(Buffer.from(sig.signature, 'hex'));
      return Buffer.from(tx.serialize()).toString('base64');
    }
    case 'eth_sendTransaction':
    case 'sol_signAndSendTransaction':
      throw badRequest(`${method} is handled by the transfer workflow (see the route)`);
  }
}
