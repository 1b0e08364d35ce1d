/**
 * The JSON-RPC methods of the Solana TEST PEER, with the request and response shapes of an Agave validator
 * (what @solana/web3.js v1's Connection sends and validates).
 */
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { PublicKey, VersionedMessage } from '@solana/web3.js';
import { formatAmount } from '../../../chains/amount.js';
import { base58Encode } from '../../../chains/shared/base58.js';
import { type Commitment, decodeTransaction, RpcError, type SolanaTestChain } from './chain.js';

type Params = unknown[];
type Handler = (chain: SolanaTestChain, params: Params) => unknown;

const TOKEN_PROGRAMS = new Set([TOKEN_PROGRAM_ID.toBase58(), TOKEN_2022_PROGRAM_ID.toBase58()]);
const API_VERSION = '2.2.14';

function config(params: Params, index: number): Record<string, unknown> {
  const c = params[index];
  return c && typeof c === 'object' && !Array.isArray(c) ? (c as Record<string, unknown>) : {};
}

function commitmentOf(params: Params, index: number): Commitment {
  const c = config(params, index).commitment;
  if (c === 'processed' || c === 'recent') return 'processed';
  if (c === 'confirmed' || c === 'single' || c === 'singleGossip') return 'confirmed';
  return 'finalized';
}

function pubkey(value: unknown): PublicKey {
  try {
    return new PublicKey(String(value));
  } catch {
    throw new RpcError(-32602, 'Invalid param: Invalid');
  }
}

function withContext(chain: SolanaTestChain, value: unknown, commitment: Commitment = 'processed') {
  return { context: { apiVersion: API_VERSION, slot: chain.blockAt(commitment).slot }, value };
}

function accountJson(chain: SolanaTestChain, address: PublicKey) {
  const acc = chain.svm.getAccount(address);
  if (!acc) return null;
  return {
    data: [Buffer.from(acc.data).toString('base64'), 'base64'],
    executable: acc.executable,
    lamports: Number(acc.lamports),
    owner: acc.owner.toBase58(),
    rentEpoch: acc.rentEpoch ?? 0,
    space: acc.data.length,
  };
}

function tokenAmount(chain: SolanaTestChain, address: PublicKey) {
  const acc = chain.svm.getAccount(address);
  if (!acc) throw new RpcError(-32602, 'Invalid param: could not find account');
  if (!TOKEN_PROGRAMS.has(acc.owner.toBase58()) || acc.data.length < 165) {
    throw new RpcError(-32602, 'Invalid param: not a Token account');
  }
  const data = Buffer.from(acc.data);
  const mint = chain.svm.getAccount(new PublicKey(data.subarray(0, 32)));
  if (!mint) throw new RpcError(-32602, 'Invalid param: could not find mint');
  const decimals = Buffer.from(mint.data)[44] ?? 0;
  const amount = data.readBigUInt64LE(64);
  const uiAmountString = formatAmount(amount, decimals);
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString };
}

const methods: Record<string, Handler> = {
  getHealth: () => 'ok',
  getVersion: () => ({ 'solana-core': `${API_VERSION} (litesvm test peer)`, 'feature-set': 0 }),
  getGenesisHash: (chain) => chain.genesisHash(),
  getSlot: (chain, p) => chain.blockAt(commitmentOf(p, 0)).slot,
  getBlockHeight: (chain, p) => chain.blockAt(commitmentOf(p, 0)).blockHeight,

  getLatestBlockhash(chain, p) {
    const commitment = commitmentOf(p, 0);
    const block = chain.blockAt(commitment);
    return withContext(
      chain,
      { blockhash: block.blockhash, lastValidBlockHeight: chain.lastValidBlockHeight(block) },
      commitment,
    );
  },

  isBlockhashValid: (chain, p) => withContext(chain, chain.isBlockhashValid(String(p[0]))),

  getBalance: (chain, p) => withContext(chain, chain.balance(pubkey(p[0])), commitmentOf(p, 1)),
  getAccountInfo: (chain, p) => withContext(chain, accountJson(chain, pubkey(p[0])), commitmentOf(p, 1)),
  getMultipleAccounts(chain, p) {
    const keys = Array.isArray(p[0]) ? p[0] : [];
    return withContext(
      chain,
      keys.map((k) => accountJson(chain, pubkey(k))),
      commitmentOf(p, 1),
    );
  },
  getTokenAccountBalance: (chain, p) => withContext(chain, tokenAmount(chain, pubkey(p[0])), commitmentOf(p, 1)),

  getMinimumBalanceForRentExemption: (chain, p) =>
    Number(chain.svm.minimumBalanceForRentExemption(BigInt(Number(p[0])))),

  getFeeForMessage(chain, p) {
    let message: VersionedMessage;
    try {
      message = VersionedMessage.deserialize(Buffer.from(String(p[0]), 'base64'));
    } catch (err) {
      throw new RpcError(-32602, `invalid message: ${(err as Error).message}`);
    }
    return withContext(chain, chain.feeForMessage(message), commitmentOf(p, 1));
  },

  getSignatureStatuses(chain, p) {
    const sigs = Array.isArray(p[0]) ? p[0] : [];
    if (sigs.length > 256) throw new RpcError(-32602, 'Too many inputs provided; max 256');
    return withContext(
      chain,
      sigs.map((s) => chain.signatureStatus(String(s))),
    );
  },

  getBlock(chain, p) {
    const slot = Number(p[0]);
    const commitment = commitmentOf(p, 1);
    if (commitment === 'processed') throw new RpcError(-32602, 'Method does not support commitment below `confirmed`');
    const block = chain.block(slot);
    if (!block || slot > chain.blockAt(commitment).slot) {
      throw new RpcError(-32004, `Block not available for slot ${slot}`);
    }
    const details = config(p, 1).transactionDetails;
    if (details !== undefined && details !== 'none') {
      throw new RpcError(-32602, 'the test peer serves getBlock with transactionDetails "none" only');
    }
    return {
      blockHeight: block.blockHeight,
      blockTime: block.blockTime,
      blockhash: block.blockhash,
      parentSlot: block.parentSlot,
      previousBlockhash: block.previousBlockhash,
    };
  },

  sendTransaction(chain, p) {
    const cfg = config(p, 1);
    const tx = decodeTransaction(String(p[0]), typeof cfg.encoding === 'string' ? cfg.encoding : 'base58');
    const signature = base58Encode(tx.signatures[0]!);
    if (cfg.skipPreflight !== true) {
      if (!chain.verifySignatures(tx)) throw new RpcError(-32003, 'Transaction signature verification failure');
      const sim = chain.simulate(tx);
      if (sim.err) {
        throw new RpcError(-32002, `Transaction simulation failed: ${sim.err.text}`, {
          accounts: null,
          err: sim.err.json,
          innerInstructions: null,
          loadedAccountsDataSize: 0,
          logs: sim.logs,
          replacementBlockhash: null,
          returnData: null,
          unitsConsumed: sim.unitsConsumed,
        });
      }
    }
    if (!chain.dropIncoming && chain.reachesLeader(tx)) chain.land(tx);
    return signature;
  },

  simulateTransaction(chain, p) {
    const cfg = config(p, 1);
    const tx = decodeTransaction(String(p[0]), typeof cfg.encoding === 'string' ? cfg.encoding : 'base58');
    const sigVerify = cfg.sigVerify === true;
    if (sigVerify && !chain.verifySignatures(tx))
      throw new RpcError(-32003, 'Transaction signature verification failure');
    const sim = chain.simulate(tx, { sigVerify });
    return withContext(chain, {
      err: sim.err?.json ?? null,
      logs: sim.logs,
      unitsConsumed: sim.unitsConsumed,
      accounts: null,
      returnData: null,
    });
  },

  getRecentPrioritizationFees: (chain) => chain.recentPrioritizationFees(),

  requestAirdrop(chain, p) {
    const to = pubkey(p[0]);
    const lamports = BigInt(Number(p[1]));
    const signature = chain.airdrop(to, lamports);
    if (!signature)
      throw new RpcError(-32603, 'airdrop request failed. This can happen when the rate limit is reached.');
    return signature;
  },
};

export function dispatch(chain: SolanaTestChain, method: string, params: Params): unknown {
  const handler = methods[method];
  if (!handler) throw new RpcError(-32601, 'Method not found');
  return handler(chain, params);
}
