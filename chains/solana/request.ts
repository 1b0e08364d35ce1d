/**
 * Caller-built Solana transactions (`solana_transaction` requests, Portal's `sol_signAndSendTransaction`): the
 * caller's instructions and recent blockhash are signed as they are. Preflight checks that the wallet is a
 * required signer, that every other required signature is already present and valid, that the blockhash is still
 * usable and that the wallet can pay; build hands the message over unchanged; assemble puts the wallet's signature
 * in its slot. Such a transaction cannot be rebuilt: when its blockhash expires, it fails.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ComputeBudgetProgram, SystemInstruction, SystemProgram, VersionedTransaction } from '@solana/web3.js';
import { BaseError } from '../../errors/base.js';
import { badRequest, ErrorId } from '../../errors/codes.js';
import { strip0x } from '../../signer/local-key.js';
import { formatAmount } from '../amount.js';
import { maxFeeIssue } from '../fee-caps.js';
import { base58Encode } from '../shared/base58.js';
import type {
  NetworkConfig,
  PreflightIssue,
  PreflightResult,
  Signature,
  SignedTx,
  SolanaTransactionRequest,
  TransferIntent,
  UnsignedTx,
} from '../types.js';
import { SolanaErrorId } from './errors.js';
import { COMMITMENT, type SolanaRpc } from './rpc.js';
import { verifiesAs } from './signature.js';

/** What preflight learned about a caller-built transaction (PreflightResult.context; JSON only). */
export interface SolanaRequestContext {
  kind: 'prebuilt';
  blockhash: string;
  /** An upper bound: the newest blockhash's last valid height; the caller's blockhash is at most that new. */
  lastValidBlockHeight: number;
  signerIndex: number;
  networkFee: string;
}

/** Decodes a serialized transaction (base64). Throws BAD_REQUEST with a clear message. */
export function decodeSolanaTransaction(base64: string): VersionedTransaction {
  try {
    const tx = VersionedTransaction.deserialize(Buffer.from(base64, 'base64'));
    if (tx.message.staticAccountKeys.length > 0) return tx;
  } catch {
    // fall through
  }
  throw badRequest('transaction is not a serialized Solana transaction');
}

export interface SolanaRequestSummary {
  /** The wallet's position among the required signers (0 = fee payer). */
  signerIndex: number;
  /** The program of the first instruction that is not a compute-budget instruction (the call's target). */
  program: string;
  /** Lamports the wallet sends with System Program transfers in this transaction. */
  lamportsOut: bigint;
}

/** What a caller-built transaction does, as far as the records and balance checks need. Throws BAD_REQUEST. */
export function summarizeSolanaTransaction(tx: VersionedTransaction, wallet: string): SolanaRequestSummary {
  const message = tx.message;
  const keys = message.staticAccountKeys;
  const signers = keys.slice(0, message.header.numRequiredSignatures).map((k) => k.toBase58());
  const signerIndex = signers.indexOf(wallet);
  if (signerIndex < 0) throw badRequest(`this wallet (${wallet}) is not a required signer of the transaction`);
  if (message.compiledInstructions.length === 0) throw badRequest('the transaction has no instructions');
  let program: string | undefined;
  let lamportsOut = 0n;
  for (const ix of message.compiledInstructions) {
    const programId = keys[ix.programIdIndex];
    if (!programId) throw badRequest('the transaction references a program outside its static account keys');
    if (programId.equals(ComputeBudgetProgram.programId)) continue;
    program ??= programId.toBase58();
    if (!programId.equals(SystemProgram.programId)) continue;
    const accounts = ix.accountKeyIndexes.map((i) => keys[i]);
    // Only instructions whose accounts are all static can be decoded here (v0 lookups are left as they are).
    if (accounts.some((a) => a === undefined)) continue;
    const legacy = {
      programId,
      data: Buffer.from(ix.data),
      keys: accounts.map((pubkey) => ({ pubkey: pubkey!, isSigner: false, isWritable: false })),
    };
    try {
      if (SystemInstruction.decodeInstructionType(legacy) !== 'Transfer') continue;
      const t = SystemInstruction.decodeTransfer(legacy);
      if (t.fromPubkey.toBase58() === wallet) lamportsOut += t.lamports;
    } catch {
      // not a System instruction this decoder knows: moves no lamports we can count
    }
  }
  return { signerIndex, program: program ?? SystemProgram.programId.toBase58(), lamportsOut };
}

const ZERO_SIGNATURE = new Uint8Array(64);

/** Signatures of the other required signers: present and valid, or the transaction can never land. */
function otherSignatureIssues(tx: VersionedTransaction, signerIndex: number): PreflightIssue[] {
  const messageBytes = tx.message.serialize();
  const issues: PreflightIssue[] = [];
  tx.message.staticAccountKeys.slice(0, tx.message.header.numRequiredSignatures).forEach((key, i) => {
    if (i === signerIndex) return;
    const sig = tx.signatures[i];
    if (!sig || Buffer.from(sig).equals(ZERO_SIGNATURE)) {
      issues.push({ id: ErrorId.BadRequest, message: `the signature of required signer ${key.toBase58()} is missing` });
      return;
    }
    if (!verifiesAs(sig, messageBytes, key))
      issues.push({
        id: SolanaErrorId.BadSignature,
        message: `the signature of required signer ${key.toBase58()} does not verify`,
      });
  });
  return issues;
}

export async function solanaRequestPreflight(
  rpc: SolanaRpc,
  network: NetworkConfig,
  intent: TransferIntent,
  request: SolanaTransactionRequest,
): Promise<PreflightResult> {
  const tx = decodeSolanaTransaction(request.transaction);
  const summary = summarizeSolanaTransaction(tx, intent.from.address);
  const errors = otherSignatureIssues(tx, summary.signerIndex);
  const blockhash = tx.message.recentBlockhash;
  const [valid, latest, feeValue, lamports] = await Promise.all([
    rpc.call<{ value: boolean }>('isBlockhashValid', [blockhash, { commitment: COMMITMENT }]),
    rpc.call<{ value: { lastValidBlockHeight: number } }>('getLatestBlockhash', [{ commitment: COMMITMENT }]),
    rpc.connection.getFeeForMessage(tx.message, COMMITMENT).then((r) => r.value),
    rpc.connection.getBalance(tx.message.staticAccountKeys[summary.signerIndex]!, COMMITMENT).then(BigInt),
  ]);
  if (!valid.value || feeValue === null)
    errors.push({
      id: SolanaErrorId.BlockhashExpired,
      message: `the transaction's blockhash ${blockhash} is expired (or unknown to this RPC node): build it again with a recent blockhash`,
    });
  const networkFee = BigInt(feeValue ?? 0);
  const fee = summary.signerIndex === 0 ? networkFee : 0n;
  const totalSpent = fee + summary.lamportsOut;
  const overMax = maxFeeIssue(fee, intent.maxFee, 'lamports');
  if (overMax) errors.push(overMax);
  if (errors.length === 0 && lamports < totalSpent)
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: `the SOL balance is less than ${formatAmount(totalSpent, network.nativeDecimals)} (transfers + fee)`,
    });
  const context: SolanaRequestContext = {
    kind: 'prebuilt',
    blockhash,
    lastValidBlockHeight: latest.value.lastValidBlockHeight,
    signerIndex: summary.signerIndex,
    networkFee: networkFee.toString(),
  };
  return { errors, warnings: [], fee: fee.toString(), totalSpent: totalSpent.toString(), context: { ...context } };
}

/** The caller's message, unchanged; `unsigned` keeps the whole transaction so other signers' signatures stay. */
export function buildSolanaRequest(
  intent: TransferIntent,
  request: SolanaTransactionRequest,
  preflight: PreflightResult,
): UnsignedTx {
  const ctx = preflight.context as unknown as SolanaRequestContext;
  if (ctx.kind !== 'prebuilt')
    throw new BaseError('preflight context is not for a caller-built transaction', { id: 'bad_preflight' });
  const tx = decodeSolanaTransaction(request.transaction);
  return {
    chain: intent.chain,
    unsigned: request.transaction,
    payloads: [{ curve: 'ed25519', payload: bytesToHex(tx.message.serialize()) }],
    details: {
      kind: 'prebuilt',
      blockhash: ctx.blockhash,
      lastValidBlockHeight: ctx.lastValidBlockHeight,
      feePayer: tx.message.staticAccountKeys[0]!.toBase58(),
      signerIndex: ctx.signerIndex,
      fee: preflight.fee,
    },
  };
}

/** Puts the wallet's (verified) signature into its slot; the id is the fee payer's signature. */
export function assembleSolanaRequest(unsigned: UnsignedTx, signatures: Signature[]): SignedTx {
  const sig = signatures[0];
  const index = Number(unsigned.details.signerIndex);
  const tx = decodeSolanaTransaction(unsigned.unsigned);
  const signer = tx.message.staticAccountKeys[index];
  if (signatures.length !== 1 || !sig || sig.curve !== 'ed25519' || !signer)
    throw new BaseError('a caller-built Solana transaction needs exactly one ed25519 signature from the wallet', {
      id: SolanaErrorId.BadSignature,
      kind: 'terminal',
    });
  const sigBytes = hexToBytes(strip0x(sig.signature));
  if (!verifiesAs(sigBytes, tx.message.serialize(), signer))
    throw new BaseError('signature does not verify against the wallet', {
      id: SolanaErrorId.BadSignature,
      kind: 'terminal',
      details: `signer ${signer.toBase58()}`,
    });
  tx.signatures[index] = sigBytes;
  return { raw: Buffer.from(tx.serialize()).toString('base64'), hash: base58Encode(tx.signatures[0]!) };
}
