/**
 * The Solana adapter end to end against the Solana TEST PEER (litesvm, the real SVM, behind a JSON-RPC server):
 * local ed25519 key → preflight → build → sign → assemble → broadcast → status, with balances read from the peer.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { freePort } from '../../scripts/stack/ports.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { type SolanaTestPeer, startSolanaTestPeer } from '../../test/peers/solana-rpc.js';
import networks from '../networks/solana.json' with { type: 'json' };
import { base58Encode } from '../shared/base58.js';
import type { ChainAdapter, ChainStatus, NetworkConfig, SignedTx, TransferIntent, UnsignedTx } from '../types.js';
import { isOnCurve } from './address.js';
import { createSolanaAdapter } from './index.js';

const local = (networks as NetworkConfig[]).find((n) => n.name === 'solana-local')!;
const FINALITY_DEPTH = 8;
const SOL = 1_000_000_000;

let peer: SolanaTestPeer;
let adapter: ChainAdapter;

beforeAll(async () => {
  peer = await startSolanaTestPeer({ slotMs: 50, finalityDepth: FINALITY_DEPTH });
  adapter = createSolanaAdapter({ ...local, rpcUrl: peer.rpcUrl });
});

afterAll(async () => {
  await peer?.stop();
});

interface Wallet {
  sk: string;
  address: string;
  publicKey: string;
}

function newWallet(a: ChainAdapter = adapter): Wallet {
  const sk = generatePrivateKey('ed25519');
  const publicKey = publicKeyOf('ed25519', sk);
  return { sk, publicKey, address: a.addressFromPublicKey(publicKey) };
}

async function intentFor(
  from: Wallet,
  to: string,
  rawAmount: string,
  token = 'NATIVE',
  a = adapter,
): Promise<TransferIntent> {
  return {
    transferId: `t-${Math.random()}`,
    chain: a.network.name,
    from: { address: from.address, publicKey: from.publicKey },
    to,
    token: await a.resolveToken(token),
    rawAmount,
  };
}

async function signAndAssemble(from: Wallet, unsigned: UnsignedTx, a = adapter): Promise<SignedTx> {
  const sigs = unsigned.payloads.map((p) => signWithPrivateKey(p.curve, from.sk, p.payload));
  return a.assemble(unsigned, sigs);
}

async function prepare(intent: TransferIntent, from: Wallet, a = adapter) {
  const preflight = await a.preflight(intent);
  expect(preflight.errors).toEqual([]);
  const unsigned = await a.build(intent, preflight, {});
  const signed = await signAndAssemble(from, unsigned, a);
  return { preflight, unsigned, signed };
}

async function waitForStatus(
  hash: string,
  details: Record<string, unknown>,
  done: (s: ChainStatus) => boolean,
  timeoutMs = 15_000,
): Promise<ChainStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ChainStatus = { state: 'not_found' };
  while (Date.now() < deadline) {
    last = await adapter.getStatus(hash, { details, submittedAt: Date.now() });
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`status never matched; last ${JSON.stringify(last)}`);
}

async function rejection(p: Promise<unknown>): Promise<BaseError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BaseError);
  return err as BaseError;
}

describe('solana addresses', () => {
  it('accepts 32-byte base58 keys and derives the address from an ed25519 public key', () => {
    const kp = Keypair.generate();
    expect(adapter.validateAddress(kp.publicKey.toBase58())).toBe(true);
    expect(adapter.validateAddress('11111111111111111111111111111111')).toBe(true);
    expect(adapter.addressFromPublicKey(Buffer.from(kp.publicKey.toBytes()).toString('hex'))).toBe(
      kp.publicKey.toBase58(),
    );
    const [pda] = PublicKey.findProgramAddressSync([Buffer.from('vault')], kp.publicKey);
    expect(adapter.validateAddress(pda.toBase58())).toBe(true);
    expect(isOnCurve(pda.toBase58())).toBe(false);
    expect(isOnCurve(kp.publicKey.toBase58())).toBe(true);
  });

  it('rejects anything else', () => {
    const good = Keypair.generate().publicKey.toBase58();
    for (const bad of [
      '',
      'abc',
      `${good.slice(0, -1)}0`, // 0 is not in the base58 alphabet
      `${good.slice(0, -1)}l`,
      '0x742d35Cc6634C0532925a3b844Bc454e4438f44e',
      base58Encode(new Uint8Array(31).fill(7)),
      base58Encode(new Uint8Array(33).fill(7)),
      ` ${good}`,
    ]) {
      expect(adapter.validateAddress(bad), bad).toBe(false);
    }
    expect(() => adapter.addressFromPublicKey('02'.repeat(33))).toThrow();
  });

  it('resolves tokens: NATIVE, SOL, configured symbols, mints read on chain', async () => {
    expect(await adapter.resolveToken('native')).toEqual({ kind: 'native', symbol: 'SOL', decimals: 9 });
    expect(await adapter.resolveToken('SOL')).toMatchObject({ kind: 'native' });
    const mint = peer.createMint(4);
    expect(await adapter.resolveToken(mint)).toEqual({ kind: 'token', address: mint, decimals: 4 });
    expect((await rejection(Promise.resolve().then(() => adapter.resolveToken('DOGE')))).id).toBe('token_unsupported');
    const notMint = Keypair.generate().publicKey.toBase58();
    expect((await rejection(Promise.resolve().then(() => adapter.resolveToken(notMint)))).id).toBe('token_unsupported');
    const mainnet = createSolanaAdapter((networks as NetworkConfig[]).find((n) => n.name === 'solana')!);
    expect(await mainnet.resolveToken('usdc')).toEqual({
      kind: 'token',
      address: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
      decimals: 6,
      symbol: 'USDC',
    });
  });
});

describe('solana transfers on the test peer', () => {
  it('SOL: faucet → preflight → build → sign → assemble → broadcast → included → final', async () => {
    const from = newWallet();
    const to = Keypair.generate().publicKey.toBase58();
    await adapter.faucet!(from.address, String(2 * SOL));
    expect(peer.balance(from.address)).toBe(2 * SOL);

    const intent = await intentFor(from, to, String(SOL / 2));
    const { preflight, unsigned, signed } = await prepare(intent, from);
    expect(preflight.fee).toBe('5000');
    expect(preflight.totalSpent).toBe(String(SOL / 2 + 5000));
    expect(unsigned.payloads).toHaveLength(1);
    expect(unsigned.details).toMatchObject({ blockhash: preflight.context.blockhash, kind: 'native' });
    expect(typeof unsigned.details.lastValidBlockHeight).toBe('number');
    // Deterministic: building again from the same preflight signs the same bytes.
    expect((await adapter.build(intent, preflight, {})).payloads).toEqual(unsigned.payloads);
    expect(signed.hash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);

    const sent = await adapter.broadcast(signed);
    expect(sent).toEqual({ hash: signed.hash, alreadyKnown: false });

    const included = await waitForStatus(signed.hash, unsigned.details, (s) => s.state === 'included');
    expect(included).toMatchObject({ state: 'included' });
    const final = await waitForStatus(signed.hash, unsigned.details, (s) => s.state === 'included' && s.final);
    expect(final).toMatchObject({ state: 'included', final: true });
    if (final.state === 'included') {
      expect(final.blockHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
      expect(final.confirmations).toBeGreaterThanOrEqual(1);
      expect(Number(final.blockNumber)).toBeGreaterThan(0);
    }
    expect(peer.balance(to)).toBe(SOL / 2);
    expect(peer.balance(from.address)).toBe(2 * SOL - SOL / 2 - 5000);
  });

  it('SOL with a priority fee and a memo: the fee preflight quotes is what the SVM charges', async () => {
    const priced = createSolanaAdapter({ ...local, rpcUrl: peer.rpcUrl, params: { priorityMicroLamports: 250_000 } });
    const from = newWallet(priced);
    await priced.faucet!(from.address, String(SOL));
    const to = Keypair.generate().publicKey.toBase58();
    const intent = { ...(await intentFor(from, to, String(SOL / 10), 'NATIVE', priced)), memo: 'invoice 42' };
    const { preflight, signed } = await prepare(intent, from, priced);
    expect(Number(preflight.fee)).toBeGreaterThan(5000); // priority fee on top of the signature fee
    await priced.broadcast(signed);
    await waitForStatus(signed.hash, {}, (s) => s.state === 'included');
    expect(peer.balance(from.address)).toBe(SOL - SOL / 10 - Number(preflight.fee));
  });

  it('fee caps: a priority price above the network cap and a fee above maxFee are refused; a maxFee that holds lands', async () => {
    const over = createSolanaAdapter({
      ...local,
      rpcUrl: peer.rpcUrl,
      params: { priorityMicroLamports: 250_000 },
      feeCaps: { maxPriorityMicroLamports: '100000' },
    });
    const from = newWallet(over);
    await over.faucet!(from.address, String(SOL));
    const to = Keypair.generate().publicKey.toBase58();
    const intent = await intentFor(from, to, String(SOL / 10), 'NATIVE', over);
    expect((await over.preflight(intent)).errors).toEqual([
      { id: 'fee_cap_exceeded', message: expect.stringContaining('network cap') },
    ]);

    const short = await adapter.preflight({ ...intent, maxFee: '4999' }); // the signature fee alone is 5000
    expect(short.errors).toEqual([{ id: 'fee_cap_exceeded', message: expect.stringContaining('maxFee') }]);
    const { preflight, signed } = await prepare({ ...intent, maxFee: '5000' }, from);
    expect(preflight.fee).toBe('5000');
    await adapter.broadcast(signed);
    await waitForStatus(signed.hash, {}, (s) => s.state === 'included');
    expect(peer.balance(from.address)).toBe(SOL - SOL / 10 - 5000);
  });

  it('SPL: creates the recipient token account, charges its rent, moves the tokens', async () => {
    const from = newWallet();
    await adapter.faucet!(from.address, String(SOL));
    const mint = peer.createMint(6);
    peer.mintTo(mint, from.address, 5_000_000n);
    const recipient = Keypair.generate().publicKey.toBase58();

    const intent = await intentFor(from, recipient, '1250000', mint);
    const { preflight, unsigned, signed } = await prepare(intent, from);
    expect(preflight.warnings.map((w) => w.id)).toContain('recipient_token_account_created');
    const rent = 2_039_280; // rent-exempt minimum of a 165-byte token account
    expect(preflight.fee).toBe(String(5000 + rent));
    expect(preflight.totalSpent).toBe(preflight.fee);
    expect(unsigned.details).toMatchObject({ kind: 'token', mint, createRecipientAta: true });

    await adapter.broadcast(signed);
    await waitForStatus(signed.hash, unsigned.details, (s) => s.state === 'included' && s.final);
    expect(peer.tokenBalance(mint, recipient)).toBe(1_250_000n);
    expect(peer.tokenBalance(mint, from.address)).toBe(3_750_000n);
    expect(peer.balance(from.address)).toBe(SOL - 5000 - rent);

    // Second transfer: the account exists, no creation, no rent.
    const again = await prepare(await intentFor(from, recipient, '250000', mint), from);
    expect(again.preflight.warnings).toEqual([]);
    expect(again.preflight.fee).toBe('5000');
    await adapter.broadcast(again.signed);
    await waitForStatus(again.signed.hash, again.unsigned.details, (s) => s.state === 'included');
    expect(peer.tokenBalance(mint, recipient)).toBe(1_500_000n);
  });

  it('the same signed transaction twice: the second broadcast is alreadyKnown', async () => {
    const from = newWallet();
    await adapter.faucet!(from.address, String(SOL));
    const { signed } = await prepare(
      await intentFor(from, Keypair.generate().publicKey.toBase58(), String(SOL / 4)),
      from,
    );
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: false });
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
    // Still alreadyKnown after its blockhash expired: the signature is on chain, nothing to rebuild.
    peer.expireBlockhash();
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
  });

  it('preflight reports insufficient funds, token shortfall and a too-small first transfer (never throws)', async () => {
    const from = newWallet();
    await adapter.faucet!(from.address, String(SOL / 100));
    const to = Keypair.generate().publicKey.toBase58();

    const tooMuch = await adapter.preflight(await intentFor(from, to, String(SOL)));
    expect(tooMuch.errors.map((e) => e.id)).toEqual(['insufficient_funds']);

    const dust = await adapter.preflight(await intentFor(from, to, '1000'));
    expect(dust.errors.map((e) => e.id)).toEqual(['bad_amount']);

    const leavesDust = await adapter.preflight(await intentFor(from, to, String(SOL / 100 - 5000 - 100)));
    expect(leavesDust.errors.map((e) => e.id)).toEqual(['insufficient_funds']);

    const mint = peer.createMint(6);
    peer.mintTo(mint, from.address, 10n);
    const tokens = await adapter.preflight(await intentFor(from, to, '11', mint));
    expect(tokens.errors.map((e) => e.id)).toEqual(['insufficient_funds']);

    const unfunded = newWallet();
    const empty = await adapter.preflight(await intentFor(unfunded, to, String(SOL)));
    expect(empty.errors.map((e) => e.id)).toEqual(['insufficient_funds']);

    const badTo = await adapter.preflight(await intentFor(from, 'not-an-address', '1'));
    expect(badTo.errors.map((e) => e.id)).toEqual(['bad_to']);
  });

  it('a transfer whose funds left after preflight fails broadcast as insufficient_funds (validator -32002, Custom 1)', async () => {
    const from = newWallet();
    await adapter.faucet!(from.address, String(SOL));
    const first = await prepare(await intentFor(from, Keypair.generate().publicKey.toBase58(), String(SOL / 2)), from);
    const drain = await prepare(
      await intentFor(from, Keypair.generate().publicKey.toBase58(), String(SOL * 0.9)),
      from,
    );
    await adapter.broadcast(drain.signed);
    const err = await rejection(adapter.broadcast(first.signed));
    expect(err).toMatchObject({ id: 'insufficient_funds', kind: 'terminal' });
    expect(err.details).toContain('custom program error: 0x1');
  });

  it('blockhash expiry before broadcast: terminal blockhash_expired, safe to rebuild and re-sign', async () => {
    const from = newWallet();
    await adapter.faucet!(from.address, String(SOL));
    const to = Keypair.generate().publicKey.toBase58();
    const stale = await prepare(await intentFor(from, to, String(SOL / 2)), from);
    peer.expireBlockhash();
    const err = await rejection(adapter.broadcast(stale.signed));
    expect(err).toMatchObject({ id: 'blockhash_expired', kind: 'terminal' });
    expect(err.details).toContain('Blockhash not found');

    const fresh = await prepare(await intentFor(from, to, String(SOL / 2)), from);
    expect(fresh.signed.hash).not.toBe(stale.signed.hash);
    await adapter.broadcast(fresh.signed);
    await waitForStatus(fresh.signed.hash, fresh.unsigned.details, (s) => s.state === 'included');
    expect(peer.balance(to)).toBe(SOL / 2);
  });

  it('a transaction that never landed becomes expired once the finalized height passes lastValidBlockHeight', async () => {
    const from = newWallet();
    await adapter.faucet!(from.address, String(SOL));
    const { unsigned, signed } = await prepare(
      await intentFor(from, Keypair.generate().publicKey.toBase58(), '1000000'),
      from,
    );
    peer.setDropIncoming(true);
    try {
      expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: false });
    } finally {
      peer.setDropIncoming(false);
    }
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toEqual({ state: 'not_found' });
    peer.pauseSlots();
    try {
      peer.expireBlockhash();
      // Processed height is past lastValidBlockHeight, finalized is not yet: still only not_found.
      expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toEqual({ state: 'not_found' });
      peer.advanceSlots(FINALITY_DEPTH);
      const expired = await adapter.getStatus(signed.hash, { details: unsigned.details });
      expect(expired).toMatchObject({ state: 'expired' });
    } finally {
      peer.resumeSlots();
    }
    expect(peer.balance(from.address)).toBe(SOL);
  });

  it('signatures are checked: assemble refuses a bad one, the peer rejects a tampered transaction (-32003)', async () => {
    const from = newWallet();
    await adapter.faucet!(from.address, String(SOL));
    const intent = await intentFor(from, Keypair.generate().publicKey.toBase58(), '1000000');
    const { unsigned, signed } = await prepare(intent, from);

    const other = newWallet();
    const wrongKey = unsigned.payloads.map((p) => signWithPrivateKey(p.curve, other.sk, p.payload));
    expect(() => adapter.assemble(unsigned, wrongKey)).toThrow(/does not verify/);

    const raw = Buffer.from(signed.raw, 'base64');
    raw[1 + 10]! ^= 0xff; // byte 10 of the first signature (after the signature-count byte)
    const tampered: SignedTx = { raw: raw.toString('base64'), hash: base58Encode(raw.subarray(1, 65)) };
    const err = await rejection(adapter.broadcast(tampered));
    expect(err).toMatchObject({ id: 'bad_signature', kind: 'terminal' });
    expect(err.details).toBe('Transaction signature verification failure');
  });

  it('classifies RPC failures: 429 and 5xx retryable, unreachable node retryable', async () => {
    const from = newWallet();
    peer.injectFault({ httpStatus: 429 });
    const limited = await rejection(adapter.getStatus(base58Encode(new Uint8Array(64).fill(1)), { details: {} }));
    expect(limited).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });

    peer.injectFault({ method: 'sendTransaction', httpStatus: 503 });
    await adapter.faucet!(from.address, String(SOL));
    const { signed } = await prepare(await intentFor(from, Keypair.generate().publicKey.toBase58(), '1000000'), from);
    expect(await rejection(adapter.broadcast(signed))).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    expect((await adapter.broadcast(signed)).alreadyKnown).toBe(false); // the retry goes through

    peer.injectFault({ method: 'getLatestBlockhash', rpcError: { code: -32005, message: 'Node is unhealthy' } });
    const unhealthy = await rejection(adapter.preflight(await intentFor(from, from.address, '1')));
    expect(unhealthy).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });

    const down = createSolanaAdapter({ ...local, rpcUrl: `http://127.0.0.1:${await freePort()}` });
    const refused = await rejection(down.preflight(await intentFor(from, from.address, '1')));
    expect(refused).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
  });

  it('faucet is refused on mainnet', async () => {
    const mainnet = createSolanaAdapter((networks as NetworkConfig[]).find((n) => n.name === 'solana')!);
    expect(await rejection(mainnet.faucet!(Keypair.generate().publicKey.toBase58(), '1'))).toMatchObject({
      id: 'faucet_unavailable',
    });
  });
});

describe('solana chain identity', () => {
  const devnet = (networks as NetworkConfig[]).find((n) => n.name === 'solana-devnet')!;

  it('a network pointed at another cluster (devnet at the local peer): rpc_chain_mismatch before signing', async () => {
    const wrong = createSolanaAdapter({ ...devnet, rpcUrl: peer.rpcUrl });
    const from = newWallet(wrong);
    const err = await rejection(wrong.preflight(await intentFor(from, newWallet().address, '1000', 'NATIVE', wrong)));
    expect([err.id, err.kind]).toEqual(['rpc_chain_mismatch', 'terminal']);
    expect(err.message).toContain(peer.chain.genesisHash());
    expect(err.message).toContain('EtWTRABZaYq6iMfeYKouRu166VoGwkBz');
  });

  it('a network whose caip2 names the peer’s genesis hash passes the check', async () => {
    const pinned = createSolanaAdapter({
      ...local,
      rpcUrl: peer.rpcUrl,
      caip2: `solana:${peer.chain.genesisHash().slice(0, 32)}`,
    });
    const from = newWallet(pinned);
    peer.airdrop(from.address, SOL);
    const preflight = await pinned.preflight(
      await intentFor(from, newWallet().address, String(SOL / 10), 'NATIVE', pinned),
    );
    expect(preflight.errors).toEqual([]);
  });
});

describe('solana under congestion (the test peer drops low bids and ignores first sends)', () => {
  it('preflight bids the market price for the written accounts on a simulated limit; the same bytes resent land once', async () => {
    const minMicroLamports = 5_000;
    peer.setCongestion({ minMicroLamports, ignoreFirstSends: 2 });
    try {
      const from = newWallet();
      const to = newWallet().address;
      peer.airdrop(from.address, SOL);
      const { preflight, signed, unsigned } = await prepare(await intentFor(from, to, String(SOL / 100)), from);
      const ctx = preflight.context as { priorityMicroLamports: number; computeUnitLimit: number };
      expect(ctx.priorityMicroLamports).toBeGreaterThanOrEqual(minMicroLamports);
      expect(ctx.computeUnitLimit).toBeLessThan(2_000);
      const sends: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        await adapter.broadcast(signed);
        sends.push(peer.chain.landedTx(signed.hash) !== undefined);
      }
      expect(sends).toEqual([false, false, true]);
      await waitForStatus(signed.hash, unsigned.details, (s) => s.state === 'included');
      expect(peer.balance(to)).toBe(SOL / 100);
    } finally {
      peer.setCongestion(null);
    }
  });

  it('a bid capped below the market is sent with a warning and never lands (until its blockhash expires)', async () => {
    peer.setCongestion({ minMicroLamports: 10_000, ignoreFirstSends: 0 });
    try {
      const capped = createSolanaAdapter({
        ...local,
        rpcUrl: peer.rpcUrl,
        feeCaps: { maxPriorityMicroLamports: '100' },
      });
      const from = newWallet(capped);
      peer.airdrop(from.address, SOL);
      const { preflight, signed } = await prepare(
        await intentFor(from, newWallet().address, '1000000', 'NATIVE', capped),
        from,
        capped,
      );
      expect(preflight.warnings.map((w) => w.id)).toContain('priority_fee_capped');
      expect((preflight.context as { priorityMicroLamports: number }).priorityMicroLamports).toBe(100);
      for (let i = 0; i < 3; i++) await capped.broadcast(signed);
      expect(peer.chain.landedTx(signed.hash)).toBeUndefined();
    } finally {
      peer.setCongestion(null);
    }
  });
});
