/**
 * The Solana test peer answers @solana/web3.js v1's Connection the way a validator does, with litesvm executing.
 */
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  VersionedTransaction,
} from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SolanaTestPeer, startSolanaTestPeer } from '../solana-rpc.js';

let peer: SolanaTestPeer;
let connection: Connection;

beforeAll(async () => {
  peer = await startSolanaTestPeer({ slotMs: 0, finalityDepth: 4, blockhashValidity: 10 });
  connection = new Connection(peer.rpcUrl, { commitment: 'confirmed', disableRetryOnRateLimit: true });
});

afterAll(async () => {
  await peer?.stop();
});

async function rpc(method: string, params: unknown[]): Promise<{ result?: unknown; error?: Record<string, unknown> }> {
  const res = await fetch(peer.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as { result?: unknown; error?: Record<string, unknown> };
}

function dataErr(reply: { error?: Record<string, unknown> }): unknown {
  return (reply.error?.data as { err?: unknown } | undefined)?.err;
}

async function transfer(from: Keypair, to: PublicKey, lamports: number): Promise<Transaction> {
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('processed');
  const tx = new Transaction({ feePayer: from.publicKey, blockhash, lastValidBlockHeight });
  tx.add(SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports }));
  tx.sign(from);
  return tx;
}

describe('solana test peer', () => {
  it('airdrops, advances slots and block height, serves blockhashes with lastValidBlockHeight', async () => {
    const kp = Keypair.generate();
    const sig = await connection.requestAirdrop(kp.publicKey, 2 * LAMPORTS_PER_SOL);
    expect(sig).toMatch(/^[1-9A-HJ-NP-Za-km-z]{80,90}$/);
    expect(await connection.getBalance(kp.publicKey)).toBe(2 * LAMPORTS_PER_SOL);

    peer.advanceSlots(5);
    const h0 = await connection.getBlockHeight('processed');
    const s0 = await connection.getSlot('processed');
    expect(s0).toBeGreaterThan(h0); // slots skipped at genesis
    peer.advanceSlots(3);
    expect(await connection.getBlockHeight('processed')).toBe(h0 + 3);
    expect(await connection.getSlot('processed')).toBe(s0 + 3);
    expect(await connection.getBlockHeight('confirmed')).toBe(h0 + 2);
    expect(await connection.getBlockHeight('finalized')).toBe(h0 + 3 - 4);
    const latest = await connection.getLatestBlockhash('processed');
    expect(latest.lastValidBlockHeight).toBe(h0 + 3 + 10);
  });

  it('lands a transfer: processed → confirmed → finalized, with the fee the SVM charged', async () => {
    const from = Keypair.generate();
    const to = Keypair.generate().publicKey;
    await connection.requestAirdrop(from.publicKey, LAMPORTS_PER_SOL);
    const tx = await transfer(from, to, 1_000_000);
    const fee = await connection.getFeeForMessage(tx.compileMessage(), 'processed');
    expect(fee.value).toBe(5000);
    const sig = await connection.sendRawTransaction(tx.serialize());

    const status = async () => (await connection.getSignatureStatuses([sig])).value[0];
    expect((await status())?.confirmationStatus).toBe('processed');
    peer.advanceSlots(1);
    expect((await status())?.confirmationStatus).toBe('confirmed');
    peer.advanceSlots(3);
    const final = await status();
    expect(final?.confirmationStatus).toBe('finalized');
    expect(final?.confirmations).toBeNull();
    expect(final?.err).toBeNull();
    expect(await connection.getBalance(to)).toBe(1_000_000);
    expect(await connection.getBalance(from.publicKey)).toBe(LAMPORTS_PER_SOL - 1_000_000 - 5000);

    const block = await connection.getBlock(final!.slot, { transactionDetails: 'none', rewards: false });
    expect(block?.blockhash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
  });

  it('returns the validator error shapes: preflight failure, duplicate, expired blockhash, bad signature', async () => {
    const from = Keypair.generate();
    const to = Keypair.generate().publicKey;
    await connection.requestAirdrop(from.publicKey, 10_000_000);

    // Insufficient lamports: the system program's Custom(1).
    const tooMuch = await transfer(from, to, 50_000_000);
    const r1 = await rpc('sendTransaction', [tooMuch.serialize().toString('base64'), { encoding: 'base64' }]);
    expect(r1.error?.code).toBe(-32002);
    expect(r1.error?.message).toBe(
      'Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1',
    );
    expect(dataErr(r1)).toEqual({ InstructionError: [0, { Custom: 1 }] });

    // New account below rent exemption.
    const dust = await transfer(from, Keypair.generate().publicKey, 1000);
    const r2 = await rpc('sendTransaction', [dust.serialize().toString('base64'), { encoding: 'base64' }]);
    expect(dataErr(r2)).toEqual({ InsufficientFundsForRent: { account_index: 1 } });

    // Duplicate.
    const ok = await transfer(from, to, 1_000_000);
    const wire = ok.serialize().toString('base64');
    expect((await rpc('sendTransaction', [wire, { encoding: 'base64' }])).result).toBeTypeOf('string');
    const dup = await rpc('sendTransaction', [wire, { encoding: 'base64' }]);
    expect(dup.error?.code).toBe(-32002);
    expect(dataErr(dup)).toBe('AlreadyProcessed');

    // Tampered signature: rejected before preflight.
    const bad = VersionedTransaction.deserialize((await transfer(from, to, 1_000_001)).serialize());
    bad.signatures[0]![5]! ^= 0xff;
    const r3 = await rpc('sendTransaction', [Buffer.from(bad.serialize()).toString('base64'), { encoding: 'base64' }]);
    expect(r3.error).toEqual({ code: -32003, message: 'Transaction signature verification failure' });

    // Expired blockhash.
    const stale = await transfer(from, to, 1_000_002);
    peer.expireBlockhash();
    const r4 = await rpc('sendTransaction', [stale.serialize().toString('base64'), { encoding: 'base64' }]);
    expect(r4.error?.message).toBe('Transaction simulation failed: Blockhash not found');
    expect(dataErr(r4)).toBe('BlockhashNotFound');
    // …and getFeeForMessage answers null for it.
    expect((await connection.getFeeForMessage(stale.compileMessage(), 'processed')).value).toBeNull();
  });

  it('lands a failing transaction sent with skipPreflight as failed, fee charged', async () => {
    const from = Keypair.generate();
    await connection.requestAirdrop(from.publicKey, 10_000_000);
    const tx = await transfer(from, Keypair.generate().publicKey, 50_000_000);
    const sig = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    const status = (await connection.getSignatureStatuses([sig])).value[0];
    expect(status?.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(await connection.getBalance(from.publicKey)).toBe(10_000_000 - 5000);
  });

  it('serves SPL token accounts created by its helpers', async () => {
    const owner = Keypair.generate().publicKey;
    const mint = peer.createMint(6);
    const ata = peer.mintTo(mint, owner.toBase58(), 1_500_000n);
    const bal = await connection.getTokenAccountBalance(new PublicKey(ata));
    expect(bal.value).toMatchObject({ amount: '1500000', decimals: 6, uiAmountString: '1.5' });
    expect(peer.tokenBalance(mint, owner.toBase58())).toBe(1_500_000n);
    const missing = await rpc('getTokenAccountBalance', [Keypair.generate().publicKey.toBase58()]);
    expect(missing.error).toEqual({ code: -32602, message: 'Invalid param: could not find account' });
  });

  it('injects HTTP faults', async () => {
    peer.injectFault({ method: 'getSlot', httpStatus: 429 });
    await expect(connection.getSlot()).rejects.toThrow(/429/);
    expect(await connection.getSlot()).toBeTypeOf('number');
  });
});
