/**
 * The ledger behind the Solana TEST PEER: litesvm (the real SVM runtime, in-process) plus what a validator adds
 * around it and litesvm does not model: slots and block heights advancing on a clock, one blockhash per block valid
 * for `blockhashValidity` block heights, the signature status cache, and commitment levels
 * (processed in the landing slot → confirmed one slot later → finalized `finalityDepth` slots later).
 *
 * litesvm knows a single "latest blockhash", so its own blockhash check is turned off and this class applies
 * Agave's rule instead: a transaction is accepted while current block height ≤ blockhash height + validity.
 * Signature verification, fees, rent, the system/SPL programs and duplicate detection are litesvm's.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { type PublicKey, type VersionedMessage, VersionedTransaction } from '@solana/web3.js';
import { FailedTransactionMetadata, LiteSVM, TransactionMetadata } from 'litesvm';
import { base58Decode, base58Encode } from '../../../chains/shared/base58.js';
import {
  fieldlessError,
  isDroppedError,
  type RpcTransactionError,
  type TransactionErrorJson,
  toRpcError,
} from './tx-error.js';
import { x87Reset } from './x87-guard.js';

export type Commitment = 'processed' | 'confirmed' | 'finalized';

export interface SolanaTestChainOptions {
  /** Slots between landing and `finalized` (mainnet ≈ 32; small keeps tests fast). Default 8. */
  finalityDepth?: number;
  /** Block heights a blockhash stays valid (Agave: 150). Default 150. */
  blockhashValidity?: number;
}

export interface Block {
  slot: number;
  parentSlot: number;
  blockHeight: number;
  blockhash: string;
  previousBlockhash: string;
  blockTime: number;
}

export interface LandedTx {
  signature: string;
  slot: number;
  err: TransactionErrorJson | null;
  logs: string[];
}

/** A JSON-RPC error as the validator sends it. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const LAMPORTS_PER_SIGNATURE = 5000;
const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
/** Programs that get the small default compute allocation (3,000 CU per instruction) instead of 200,000. */
const BUILTIN_PROGRAMS = new Set([
  '11111111111111111111111111111111',
  COMPUTE_BUDGET_PROGRAM,
  'Vote111111111111111111111111111111111111111',
  'Stake11111111111111111111111111111111111111',
  'Config1111111111111111111111111111111111111',
  'AddressLookupTab1e1111111111111111111111111',
  'BPFLoaderUpgradeab1e11111111111111111111111',
  'BPFLoader2111111111111111111111111111111111',
  'BPFLoader1111111111111111111111111111111111',
]);
/** Slots before the first block, so slot ≠ block height (as on every real cluster). */
const GENESIS_SLOT = 3;

export class SolanaTestChain {
  readonly svm: LiteSVM;
  readonly finalityDepth: number;
  readonly blockhashValidity: number;
  /** When set, sendTransaction answers with the signature but the leader never includes it (congestion, dropped). */
  dropIncoming = false;
  /**
   * Congestion mode (as on a busy mainnet): leaders drop transactions that bid less than `minMicroLamports` per
   * compute unit, and each transaction's first `ignoreFirstSends` sends never reach a leader; both are answered
   * with the signature, as the RPC node does. getRecentPrioritizationFees reports `minMicroLamports` as what recent
   * slots' landed transactions paid.
   */
  congestion: { minMicroLamports: number; ignoreFirstSends: number } | null = null;
  private readonly sendsOf = new Map<string, number>();

  private readonly seed = createHash('sha256').update(`solana-test-peer:${Date.now()}:${Math.random()}`).digest();
  private readonly blocks = new Map<number, Block>();
  private readonly heightByBlockhash = new Map<string, number>();
  private readonly landed = new Map<string, LandedTx>();
  private tip: Block;
  private readonly resetX87 = x87Reset();

  constructor(options: SolanaTestChainOptions = {}) {
    this.finalityDepth = options.finalityDepth ?? 8;
    this.blockhashValidity = options.blockhashValidity ?? 150;
    this.svm = new LiteSVM().withBlockhashCheck(false).withSigverify(true);
    this.tip = this.addBlock(GENESIS_SLOT, GENESIS_SLOT, 0, '11111111111111111111111111111111');
  }

  get slot(): number {
    return this.tip.slot;
  }

  get blockHeight(): number {
    return this.tip.blockHeight;
  }

  /** Produces the next block. */
  tick(): Block {
    const prev = this.tip;
    this.tip = this.addBlock(prev.slot + 1, prev.slot, prev.blockHeight + 1, prev.blockhash);
    this.svm.warpToSlot(BigInt(this.tip.slot));
    return this.tip;
  }

  advance(blocks: number): void {
    for (let i = 0; i < blocks; i++) this.tick();
  }

  /** Moves block height past every blockhash handed out so far: all of them are now expired. */
  expireBlockhashes(): void {
    this.advance(this.blockhashValidity + 1);
  }

  /** The newest block visible at a commitment level. */
  blockAt(commitment: Commitment = 'finalized'): Block {
    const back = commitment === 'processed' ? 0 : commitment === 'confirmed' ? 1 : this.finalityDepth;
    const slot = Math.max(GENESIS_SLOT, this.tip.slot - back);
    return this.blocks.get(slot)!;
  }

  block(slot: number): Block | undefined {
    return this.blocks.get(slot);
  }

  genesisHash(): string {
    return this.blocks.get(GENESIS_SLOT)!.blockhash;
  }

  /** Agave's age check: usable while current block height ≤ blockhash height + validity. */
  isBlockhashValid(blockhash: string): boolean {
    const height = this.heightByBlockhash.get(blockhash);
    return height !== undefined && this.tip.blockHeight <= height + this.blockhashValidity;
  }

  lastValidBlockHeight(block: Block): number {
    return block.blockHeight + this.blockhashValidity;
  }

  /** What the RPC layer checks before preflight (`transaction.verify()`): every required signature is valid. */
  verifySignatures(tx: VersionedTransaction): boolean {
    const message = tx.message.serialize();
    const signers = tx.message.staticAccountKeys.slice(0, tx.message.header.numRequiredSignatures);
    if (tx.signatures.length !== signers.length) return false;
    return signers.every((key, i) => {
      try {
        return ed25519.verify(tx.signatures[i]!, message, key.toBytes());
      } catch {
        return false;
      }
    });
  }

  /** The bank-level checks and execution, without committing anything (preflight, simulateTransaction). */
  simulate(
    tx: VersionedTransaction,
    opts: { sigVerify?: boolean } = {},
  ): { err: RpcTransactionError | null; logs: string[]; unitsConsumed: number } {
    const early = this.checkAgeAndStatus(tx);
    if (early) return { err: early, logs: [], unitsConsumed: 0 };
    const sigVerify = opts.sigVerify ?? true;
    const result = this.guarded(() => {
      if (!sigVerify) this.svm.withSigverify(false);
      try {
        return this.svm.simulateTransaction(tx);
      } finally {
        if (!sigVerify) this.svm.withSigverify(true);
      }
    });
    if (result instanceof FailedTransactionMetadata) {
      const meta = result.meta();
      return { err: toRpcError(result), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
    }
    const meta = result.meta();
    return { err: null, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
  }

  /**
   * The leader executes the transaction in the current slot. Errors that make a leader drop it
   * (bad blockhash, duplicate, unfunded fee payer, bad signature) leave no trace; any other failure lands
   * as a failed transaction, as on a real cluster.
   */
  land(tx: VersionedTransaction): LandedTx | null {
    const signature = base58Encode(tx.signatures[0]!);
    if (this.checkAgeAndStatus(tx)) return null;
    const result = this.guarded(() => this.svm.sendTransaction(tx));
    if (result instanceof FailedTransactionMetadata) {
      const err = toRpcError(result);
      if (isDroppedError(err.json)) return null;
      return this.record(signature, err.json, result.meta().logs());
    }
    return this.record(signature, null, result.logs());
  }

  /** Congestion mode's leader: does this send of `tx` reach a block? (Counts the sends of each signature.) */
  reachesLeader(tx: VersionedTransaction): boolean {
    if (!this.congestion) return true;
    const signature = base58Encode(tx.signatures[0]!);
    const sends = (this.sendsOf.get(signature) ?? 0) + 1;
    this.sendsOf.set(signature, sends);
    if (sends <= this.congestion.ignoreFirstSends) return false;
    return computeBudgetOf(tx.message).microLamportsPerUnit >= BigInt(this.congestion.minMicroLamports);
  }

  /** How many times a signature was sent while congestion mode was on. */
  sendCount(signature: string): number {
    return this.sendsOf.get(signature) ?? 0;
  }

  /** getRecentPrioritizationFees: one entry per recent slot (the last 150), what landed transactions paid. */
  recentPrioritizationFees(): { slot: number; prioritizationFee: number }[] {
    const fee = this.congestion?.minMicroLamports ?? 0;
    const out: { slot: number; prioritizationFee: number }[] = [];
    for (let slot = Math.max(GENESIS_SLOT, this.tip.slot - 149); slot <= this.tip.slot; slot++)
      out.push({ slot, prioritizationFee: slot % 2 === 0 ? fee : Math.floor(fee / 2) });
    return out;
  }

  /** Funds an address the way litesvm does (a transfer from its faucet key); returns the signature. */
  airdrop(address: PublicKey, lamports: bigint): string | null {
    const result = this.guarded(() => this.svm.airdrop(address, lamports));
    if (!(result instanceof TransactionMetadata)) return null;
    return this.record(base58Encode(result.signature()), null, result.logs()).signature;
  }

  /** Records a transaction the peer itself ran (airdrops, test setup). */
  record(signature: string, err: TransactionErrorJson | null, logs: string[]): LandedTx {
    const landed: LandedTx = { signature, slot: this.tip.slot, err, logs };
    this.landed.set(signature, landed);
    return landed;
  }

  landedTx(signature: string): LandedTx | undefined {
    return this.landed.get(signature);
  }

  /** getSignatureStatuses' per-signature value. */
  signatureStatus(signature: string): Record<string, unknown> | null {
    const tx = this.landed.get(signature);
    if (!tx) return null;
    const depth = this.tip.slot - tx.slot;
    const confirmationStatus: Commitment =
      depth >= this.finalityDepth ? 'finalized' : depth >= 1 ? 'confirmed' : 'processed';
    return {
      slot: tx.slot,
      confirmations: confirmationStatus === 'finalized' ? null : depth,
      err: tx.err,
      status: tx.err === null ? { Ok: null } : { Err: tx.err },
      confirmationStatus,
    };
  }

  /** getFeeForMessage: 5,000 lamports per signature plus the priority fee (price × compute-unit limit). */
  feeForMessage(message: VersionedMessage): number | null {
    if (!this.isBlockhashValid(message.recentBlockhash)) return null;
    const { unitLimit, microLamportsPerUnit } = computeBudgetOf(message);
    const limit = BigInt(unitLimit);
    const priority = (microLamportsPerUnit * limit + 999_999n) / 1_000_000n;
    return message.header.numRequiredSignatures * LAMPORTS_PER_SIGNATURE + Number(priority);
  }

  balance(address: PublicKey): number {
    return Number(this.svm.getBalance(address) ?? 0n);
  }

  /** Every call that runs SBF code goes through here (see x87-guard.ts). */
  private guarded<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      this.resetX87();
    }
  }

  private checkAgeAndStatus(tx: VersionedTransaction): RpcTransactionError | null {
    if (!this.isBlockhashValid(tx.message.recentBlockhash)) return fieldlessError('BlockhashNotFound');
    if (this.landed.has(base58Encode(tx.signatures[0]!))) return fieldlessError('AlreadyProcessed');
    return null;
  }

  private addBlock(slot: number, parentSlot: number, blockHeight: number, previousBlockhash: string): Block {
    const hash = createHash('sha256').update(this.seed).update(String(slot)).digest();
    const block: Block = {
      slot,
      parentSlot,
      blockHeight,
      blockhash: base58Encode(hash),
      previousBlockhash,
      blockTime: Math.floor(Date.now() / 1000),
    };
    this.blocks.set(slot, block);
    this.heightByBlockhash.set(block.blockhash, blockHeight);
    return block;
  }
}

/** The compute-unit limit (explicit, or the runtime's default per instruction) and price a message sets. */
export function computeBudgetOf(message: VersionedMessage): { unitLimit: number; microLamportsPerUnit: bigint } {
  const keys = message.staticAccountKeys;
  let unitLimit: number | undefined;
  let microLamportsPerUnit = 0n;
  let defaultLimit = 0;
  for (const ix of message.compiledInstructions) {
    const program = keys[ix.programIdIndex]?.toBase58() ?? '';
    const data = Buffer.from(ix.data);
    if (program === COMPUTE_BUDGET_PROGRAM && data[0] === 2 && data.length >= 5) unitLimit = data.readUInt32LE(1);
    if (program === COMPUTE_BUDGET_PROGRAM && data[0] === 3 && data.length >= 9) {
      microLamportsPerUnit = data.readBigUInt64LE(1);
    }
    defaultLimit += BUILTIN_PROGRAMS.has(program) ? 3_000 : 200_000;
  }
  return { unitLimit: Math.min(unitLimit ?? defaultLimit, 1_400_000), microLamportsPerUnit };
}

/** Decodes a wire transaction (base64 or base58), as the RPC does before anything else. */
export function decodeTransaction(encoded: string, encoding: string): VersionedTransaction {
  let bytes: Uint8Array;
  try {
    bytes = encoding === 'base64' ? Buffer.from(encoded, 'base64') : base58Decode(encoded);
  } catch (err) {
    throw new RpcError(-32602, `invalid ${encoding} encoding: ${(err as Error).message}`);
  }
  try {
    return VersionedTransaction.deserialize(bytes);
  } catch (err) {
    throw new RpcError(
      -32602,
      `failed to deserialize solana_transaction::versioned::VersionedTransaction: ${(err as Error).message}`,
    );
  }
}
