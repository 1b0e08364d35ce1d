/**
 * Transaction construction. `transferMessage` is pure: preflight compiles it to price the exact message (fee),
 * build compiles the same thing again from preflight's context, so a retried build signs identical bytes.
 * The signer signs the serialized message (ed25519 signs the message, not a hash of it).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { createAssociatedTokenAccountIdempotentInstruction, createTransferCheckedInstruction } from '@solana/spl-token';
import {
  ComputeBudgetProgram,
  PublicKey,
  SystemProgram,
  TransactionInstruction,
  TransactionMessage,
  VersionedMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import { BaseError } from '../../errors/base.js';
import { strip0x } from '../../signer/local-key.js';
import { base58Encode } from '../shared/base58.js';
import type { PreflightResult, Signature, SignedTx, TransferIntent, UnsignedTx } from '../types.js';
import { SolanaErrorId } from './errors.js';
import { verifiesAs } from './signature.js';

export const MEMO_PROGRAM_ID = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');

/** What preflight learned and build needs (stored in PreflightResult.context; JSON only). */
export interface SolanaTransferContext {
  blockhash: string;
  lastValidBlockHeight: number;
  kind: 'native' | 'token';
  /** Token transfers: mint, its program (Token or Token-2022), decimals, source and destination token accounts. */
  mint?: string;
  tokenProgram?: string;
  decimals?: number;
  source?: string;
  destination?: string;
  /** Owner of the destination token account (the recipient wallet). */
  recipientOwner?: string;
  /** The recipient has no associated token account yet: create it (the sender pays its rent). */
  createRecipientAta?: boolean;
  /** Priority fee (micro-lamports per compute unit) and the compute-unit limit it is charged on. */
  priorityMicroLamports?: number;
  computeUnitLimit?: number;
  /** Lamports: network fee (signatures + priority) and rent for a created token account. */
  networkFee?: string;
  rentFee?: string;
}

export function transferInstructions(intent: TransferIntent, ctx: SolanaTransferContext): TransactionInstruction[] {
  const from = new PublicKey(intent.from.address);
  const amount = BigInt(intent.rawAmount);
  const ixs: TransactionInstruction[] = [];
  // Contexts stored before every transfer carried a compute budget have no limit and a zero price: same bytes.
  if (ctx.computeUnitLimit !== undefined || (ctx.priorityMicroLamports ?? 0) > 0) {
    ixs.push(ComputeBudgetProgram.setComputeUnitLimit({ units: ctx.computeUnitLimit ?? 200_000 }));
    ixs.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: ctx.priorityMicroLamports ?? 0 }));
  }
  if (ctx.kind === 'native') {
    ixs.push(SystemProgram.transfer({ fromPubkey: from, toPubkey: new PublicKey(intent.to), lamports: amount }));
  } else {
    const mint = new PublicKey(ctx.mint!);
    const program = new PublicKey(ctx.tokenProgram!);
    const destination = new PublicKey(ctx.destination!);
    if (ctx.createRecipientAta) {
      ixs.push(
        createAssociatedTokenAccountIdempotentInstruction(
          from,
          destination,
          new PublicKey(ctx.recipientOwner!),
          mint,
          program,
        ),
      );
    }
    ixs.push(
      createTransferCheckedInstruction(
        new PublicKey(ctx.source!),
        mint,
        destination,
        from,
        amount,
        ctx.decimals!,
        [],
        program,
      ),
    );
  }
  if (intent.memo) {
    ixs.push(
      new TransactionInstruction({
        programId: MEMO_PROGRAM_ID,
        keys: [{ pubkey: from, isSigner: true, isWritable: false }],
        data: Buffer.from(intent.memo, 'utf8'),
      }),
    );
  }
  return ixs;
}

/** The legacy message bytes: fee payer = sender, recent blockhash from preflight. */
export function transferMessage(intent: TransferIntent, ctx: SolanaTransferContext): Uint8Array {
  return new TransactionMessage({
    payerKey: new PublicKey(intent.from.address),
    recentBlockhash: ctx.blockhash,
    instructions: transferInstructions(intent, ctx),
  })
    .compileToLegacyMessage()
    .serialize();
}

export function buildSolanaTransfer(intent: TransferIntent, preflight: PreflightResult): UnsignedTx {
  const ctx = preflight.context as unknown as SolanaTransferContext;
  if (typeof ctx.blockhash !== 'string' || typeof ctx.lastValidBlockHeight !== 'number') {
    throw new BaseError('preflight context has no blockhash', { id: 'bad_preflight', kind: 'terminal' });
  }
  const message = transferMessage(intent, ctx);
  return {
    chain: intent.chain,
    unsigned: Buffer.from(message).toString('base64'),
    payloads: [{ curve: 'ed25519', payload: bytesToHex(message) }],
    details: {
      blockhash: ctx.blockhash,
      lastValidBlockHeight: ctx.lastValidBlockHeight,
      feePayer: intent.from.address,
      kind: ctx.kind,
      ...(ctx.kind === 'token'
        ? { mint: ctx.mint, destination: ctx.destination, createRecipientAta: ctx.createRecipientAta ?? false }
        : {}),
      fee: preflight.fee,
    },
  };
}

/** Attaches the fee payer's signature. The signature is checked here so a bad one never reaches the network. */
export function assembleSolanaTransfer(unsigned: UnsignedTx, signatures: Signature[]): SignedTx {
  const sig = signatures[0];
  if (signatures.length !== 1 || !sig || sig.curve !== 'ed25519') {
    throw new BaseError('a Solana transfer needs exactly one ed25519 signature', {
      id: SolanaErrorId.BadSignature,
      kind: 'terminal',
    });
  }
  const sigBytes = hexToBytes(strip0x(sig.signature));
  const messageBytes = Buffer.from(unsigned.unsigned, 'base64');
  const message = VersionedMessage.deserialize(messageBytes);
  const feePayer = message.staticAccountKeys[0]!;
  if (!verifiesAs(sigBytes, messageBytes, feePayer)) {
    throw new BaseError('signature does not verify against the fee payer', {
      id: SolanaErrorId.BadSignature,
      kind: 'terminal',
      details: `fee payer ${feePayer.toBase58()}`,
    });
  }
  const tx = new VersionedTransaction(message, [sigBytes]);
  return { raw: Buffer.from(tx.serialize()).toString('base64'), hash: base58Encode(sigBytes) };
}
