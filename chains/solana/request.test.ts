/**
 * Caller-built Solana transactions (`solana_transaction` requests) through the adapter against the Solana TEST
 * PEER (litesvm, the real SVM): summary, preflight checks, build → sign → assemble → broadcast → final, co-signed
 * transactions, and the refusals (not a signer, missing or bad co-signature, expired blockhash, funds).
 */
import {
  Keypair,
  PublicKey,
  SystemProgram,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { type SolanaTestPeer, startSolanaTestPeer } from '../../test/peers/solana-rpc.js';
import networks from '../networks/solana.json' with { type: 'json' };
import { base58Encode } from '../shared/base58.js';
import type { ChainAdapter, NetworkConfig, TransferIntent } from '../types.js';
import { MEMO_PROGRAM_ID } from './build.js';
import { createSolanaAdapter } from './index.js';
import { decodeSolanaTransaction, summarizeSolanaTransaction } from './request.js';

const local = (networks as NetworkConfig[]).find((n) => n.name === 'solana-local')!;
const SOL = 1_000_000_000;

let peer: SolanaTestPeer;
let adapter: ChainAdapter;

beforeAll(async () => {
  peer = await startSolanaTestPeer({ slotMs: 50, finalityDepth: 4 });
  adapter = createSolanaAdapter({ ...local, rpcUrl: peer.rpcUrl });
});
afterAll(async () => {
  await peer?.stop();
});

function newWallet() {
  const sk = generatePrivateKey('ed25519');
  const publicKey = publicKeyOf('ed25519', sk);
  return { sk, publicKey, address: adapter.addressFromPublicKey(publicKey) };
}
type Wallet = ReturnType<typeof newWallet>;

/** A transaction as a dapp would build it: the wallet pays, sends lamports and writes a memo. */
async function callerTransaction(
  payer: string,
  instructions: TransactionInstruction[],
  hash?: string,
): Promise<VersionedTransaction> {
  const message = new TransactionMessage({
    payerKey: new PublicKey(payer),
    recentBlockhash: hash ?? peer.latestBlockhash(),
    instructions,
  }).compileToV0Message();
  return new VersionedTransaction(message);
}

const transfer = (from: string, to: PublicKey, lamports: number) =>
  SystemProgram.transfer({ fromPubkey: new PublicKey(from), toPubkey: to, lamports });
const memo = (signer: string, text: string) =>
  new TransactionInstruction({
    programId: MEMO_PROGRAM_ID,
    keys: [{ pubkey: new PublicKey(signer), isSigner: true, isWritable: false }],
    data: Buffer.from(text),
  });

function intentFor(from: Wallet, tx: VersionedTransaction): TransferIntent {
  const summary = summarizeSolanaTransaction(tx, from.address);
  return {
    transferId: `t-${Math.random()}`,
    chain: adapter.network.name,
    from: { address: from.address, publicKey: from.publicKey },
    to: summary.program,
    token: { kind: 'native', symbol: 'SOL', decimals: 9 },
    rawAmount: summary.lamportsOut.toString(),
    request: { kind: 'solana_transaction', transaction: Buffer.from(tx.serialize()).toString('base64') },
  };
}

async function waitFinal(hash: string, details: Record<string, unknown>) {
  for (let i = 0; i < 200; i++) {
    const s = await adapter.getStatus(hash, { details });
    if ((s.state === 'included' || s.state === 'failed') && s.final) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('not final in time');
}

describe('summarizeSolanaTransaction', () => {
  it('finds the wallet among the signers, the called program and the lamports it sends', async () => {
    const w = newWallet();
    const to = Keypair.generate().publicKey;
    const tx = await callerTransaction(w.address, [transfer(w.address, to, 5_000), memo(w.address, 'x')]);
    expect(summarizeSolanaTransaction(tx, w.address)).toEqual({
      signerIndex: 0,
      program: SystemProgram.programId.toBase58(),
      lamportsOut: 5_000n,
    });
    const memoOnly = await callerTransaction(w.address, [memo(w.address, 'only a memo')]);
    expect(summarizeSolanaTransaction(memoOnly, w.address)).toMatchObject({
      program: MEMO_PROGRAM_ID.toBase58(),
      lamportsOut: 0n,
    });
  });

  it('refuses a transaction the wallet does not sign, and garbage', async () => {
    const w = newWallet();
    const other = newWallet();
    const tx = await callerTransaction(other.address, [memo(other.address, 'not yours')]);
    expect(() => summarizeSolanaTransaction(tx, w.address)).toThrow(/not a required signer/);
    expect(() => decodeSolanaTransaction('AAAA')).toThrow(BaseError);
  });
});

describe('caller-built transactions through the adapter', () => {
  it('signs the message as built, lands it and reaches final; balances move as the instructions say', async () => {
    const w = newWallet();
    peer.airdrop(w.address, 2 * SOL);
    const to = Keypair.generate().publicKey;
    const tx = await callerTransaction(w.address, [transfer(w.address, to, 0.25 * SOL), memo(w.address, 'order 7')]);
    const intent = intentFor(w, tx);
    const pre = await adapter.preflight(intent);
    expect(pre.errors).toEqual([]);
    expect(BigInt(pre.totalSpent)).toBe(BigInt(0.25 * SOL) + BigInt(pre.fee));
    const unsigned = await adapter.build(intent, pre, {});
    // The payload is exactly the caller's message: nothing was rebuilt.
    expect(unsigned.payloads).toEqual([
      { curve: 'ed25519', payload: Buffer.from(tx.message.serialize()).toString('hex') },
    ]);
    const signed = adapter.assemble(
      unsigned,
      unsigned.payloads.map((p) => signWithPrivateKey(p.curve, w.sk, p.payload)),
    );
    const decoded = VersionedTransaction.deserialize(Buffer.from(signed.raw, 'base64'));
    expect(signed.hash).toBe(base58Encode(decoded.signatures[0]!));
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: false });
    expect(await adapter.broadcast(signed)).toMatchObject({ alreadyKnown: true });
    expect(await waitFinal(signed.hash, unsigned.details)).toMatchObject({ state: 'included', final: true });
    expect(peer.balance(to.toBase58())).toBe(0.25 * SOL);
  });

  it('keeps the co-signer signature already in the transaction (the wallet is the second signer)', async () => {
    const w = newWallet();
    const payer = Keypair.generate();
    peer.airdrop(payer.publicKey.toBase58(), SOL);
    peer.airdrop(w.address, SOL);
    const to = Keypair.generate().publicKey;
    const tx = await callerTransaction(payer.publicKey.toBase58(), [transfer(w.address, to, 0.1 * SOL)]);
    tx.sign([payer]);
    const intent = intentFor(w, tx);
    const pre = await adapter.preflight(intent);
    expect(pre.errors).toEqual([]);
    expect(pre.fee).toBe('0'); // the co-signer pays the fee
    const unsigned = await adapter.build(intent, pre, {});
    const signed = adapter.assemble(
      unsigned,
      unsigned.payloads.map((p) => signWithPrivateKey(p.curve, w.sk, p.payload)),
    );
    expect(signed.hash).toBe(base58Encode(tx.signatures[0]!)); // the fee payer's signature is the id
    await adapter.broadcast(signed);
    expect(await waitFinal(signed.hash, unsigned.details)).toMatchObject({ state: 'included', final: true });
    expect(peer.balance(to.toBase58())).toBe(0.1 * SOL);
  });

  it('reports a missing or forged co-signature, an expired blockhash and a short balance before signing', async () => {
    const w = newWallet();
    peer.airdrop(w.address, SOL);
    const coSigner = Keypair.generate();
    const to = Keypair.generate().publicKey;
    const unsignedCo = await callerTransaction(coSigner.publicKey.toBase58(), [transfer(w.address, to, 1_000)]);
    expect((await adapter.preflight(intentFor(w, unsignedCo))).errors).toEqual([
      { id: 'BAD_REQUEST', message: expect.stringContaining('is missing') },
    ]);
    unsignedCo.signatures[0] = new Uint8Array(64).fill(7);
    expect((await adapter.preflight(intentFor(w, unsignedCo))).errors).toEqual([
      { id: 'bad_signature', message: expect.stringContaining('does not verify') },
    ]);

    const tooMuch = await callerTransaction(w.address, [transfer(w.address, to, 5 * SOL)]);
    expect((await adapter.preflight(intentFor(w, tooMuch))).errors).toEqual([
      { id: 'insufficient_funds', message: expect.stringContaining('less than') },
    ]);

    const stale = await callerTransaction(w.address, [transfer(w.address, to, 1_000)]);
    peer.expireBlockhash();
    expect((await adapter.preflight(intentFor(w, stale))).errors).toEqual([
      { id: 'blockhash_expired', message: expect.stringContaining('expired') },
    ]);
  });

  it('assemble refuses a signature that is not the wallet’s', async () => {
    const w = newWallet();
    peer.airdrop(w.address, SOL);
    const tx = await callerTransaction(w.address, [memo(w.address, 'm')]);
    const intent = intentFor(w, tx);
    const unsigned = await adapter.build(intent, await adapter.preflight(intent), {});
    const stranger = newWallet();
    expect(() =>
      adapter.assemble(unsigned, [signWithPrivateKey('ed25519', stranger.sk, unsigned.payloads[0]!.payload)]),
    ).toThrow(/does not verify/);
  });
});
