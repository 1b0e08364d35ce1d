/**
 * The Stellar adapter end to end against the Horizon test peer, signing with a local ed25519 key
 * (the same Signature shape the MPC signer produces).
 */
import { readFileSync } from 'node:fs';
import { Account, MuxedAccount, type Transaction, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaseError, isBaseError } from '../../errors/base.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { type PeerAsset, type StellarTestPeer, startStellarTestPeer } from '../../test/peers/stellar/index.js';
import { parseAmount } from '../amount.js';
import type { ChainAdapter, NetworkConfig, PreflightResult, SignedTx, TransferIntent } from '../types.js';
import { createStellarAdapter } from './index.js';

const local = (
  JSON.parse(readFileSync(new URL('../networks/stellar.json', import.meta.url), 'utf8')) as NetworkConfig[]
).find((n) => n.name === 'stellar-local') as NetworkConfig;

interface Wallet {
  sk: string;
  publicKey: string;
  address: string;
}

let peer: StellarTestPeer; // ledgers close on a 200 ms timer
let manual: StellarTestPeer; // ledgers close only when the test says so
let adapter: ChainAdapter;
let manualAdapter: ChainAdapter;
let usd: PeerAsset;
let seq = 0;

function wallet(a: ChainAdapter = adapter): Wallet {
  const sk = generatePrivateKey('ed25519');
  const publicKey = publicKeyOf('ed25519', sk);
  return { sk, publicKey, address: a.addressFromPublicKey(publicKey) };
}

async function intent(
  a: ChainAdapter,
  from: Wallet,
  to: string,
  token: string,
  amount: string,
  memo?: string,
): Promise<TransferIntent> {
  const t = await a.resolveToken(token);
  return {
    transferId: `t${++seq}`,
    chain: a.network.name,
    from: { address: from.address, publicKey: from.publicKey },
    to,
    token: t,
    rawAmount: parseAmount(amount, t.decimals).toString(),
    ...(memo ? { memo } : {}),
  };
}

/** preflight → getChainNonce → build → sign → assemble (no broadcast). */
async function prepare(
  a: ChainAdapter,
  from: Wallet,
  i: TransferIntent,
  opts: { nonce?: string; tweak?: (p: PreflightResult) => void } = {},
): Promise<{ pre: PreflightResult; signed: SignedTx; details: Record<string, unknown> }> {
  const pre = await a.preflight(i);
  expect(pre.errors).toEqual([]);
  opts.tweak?.(pre);
  const nonce = opts.nonce ?? (await a.getChainNonce?.(from.address));
  const unsigned = await a.build(i, pre, { nonce });
  const sigs = unsigned.payloads.map((p) => signWithPrivateKey(p.curve, from.sk, p.payload));
  return { pre, signed: a.assemble(unsigned, sigs), details: unsigned.details };
}

async function rejection(p: Promise<unknown>): Promise<BaseError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  if (!isBaseError(err)) throw err;
  return err;
}

async function waitIncluded(a: ChainAdapter, hash: string, details: Record<string, unknown>) {
  for (let i = 0; i < 50; i++) {
    const s = await a.getStatus(hash, { details });
    if (s.state !== 'not_found') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('never included');
}

/** Manual-ledger peers: wait until the submission is queued (or answered), close a ledger, return the result. */
async function closeAfter<T>(p: StellarTestPeer, sending: Promise<T>): Promise<T> {
  let settled = false;
  sending.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled && p.pendingCount() === 0) await new Promise((r) => setTimeout(r, 10));
  if (!settled) p.closeLedger();
  return sending;
}

beforeAll(async () => {
  [peer, manual] = await Promise.all([startStellarTestPeer({ ledgerMs: 200 }), startStellarTestPeer({ ledgerMs: 0 })]);
  adapter = createStellarAdapter({ ...local, rpcUrl: peer.horizonUrl });
  manualAdapter = createStellarAdapter({ ...local, rpcUrl: manual.horizonUrl });
  usd = peer.createAsset('USD');
});
afterAll(async () => {
  await Promise.all([peer?.stop(), manual?.stop()]);
});

describe('stellar adapter against the Horizon test peer', () => {
  it('native payment: pending until the ledger closes, then included and final', async () => {
    const a = manualAdapter;
    const alice = wallet(a);
    const bob = wallet(a);
    manual.fund(alice.address, 100);
    manual.fund(bob.address, 10);

    const i = await intent(a, alice, bob.address, 'XLM', '12.5', 'invoice 42');
    const pre = await a.preflight(i);
    expect(pre).toMatchObject({ errors: [], warnings: [], fee: '100', totalSpent: '125000100' });
    expect(pre.context).toMatchObject({ feePerOp: '100', baseReserve: '5000000', createAccount: false });

    const accountSeq = BigInt(String(manual.account(alice.address)?.seq));
    const nonce = await a.getChainNonce?.(alice.address);
    expect(nonce).toBe((accountSeq + 1n).toString());
    expect(BigInt(nonce as string)).toBeGreaterThan(2n ** 32n); // core starts at ledger << 32

    const unsigned = await a.build(i, pre, { nonce });
    expect(await a.build(i, pre, { nonce })).toEqual(unsigned); // deterministic
    expect(unsigned.payloads).toEqual([{ curve: 'ed25519', payload: unsigned.details.hash }]);
    expect(unsigned.details).toMatchObject({ sequence: nonce, source: alice.address, operation: 'payment' });
    const decoded = TransactionBuilder.fromXDR(unsigned.unsigned, manual.passphrase) as Transaction;
    expect(decoded.memo.value?.toString()).toBe('invoice 42');

    const signed = a.assemble(
      unsigned,
      unsigned.payloads.map((p) => signWithPrivateKey(p.curve, alice.sk, p.payload)),
    );
    expect(signed.hash).toBe(unsigned.details.hash);

    const sent = a.broadcast(signed);
    while (manual.pendingCount() === 0) await new Promise((r) => setTimeout(r, 20));
    // Queued in the peer, not in any ledger: Horizon does not know it yet.
    expect(await a.getStatus(signed.hash, { details: unsigned.details })).toEqual({ state: 'not_found' });
    expect(manual.balance(bob.address)).toBe('10.0000000');

    const closed = manual.closeLedger();
    expect(await sent).toEqual({ hash: signed.hash, alreadyKnown: false });
    expect(await a.getStatus(signed.hash, { details: unsigned.details })).toEqual({
      state: 'included',
      blockNumber: String(closed.sequence),
      blockHash: closed.hash,
      confirmations: 1,
      final: true,
    });
    manual.closeLedger();
    expect(await a.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({ confirmations: 2 });

    expect(manual.balance(alice.address)).toBe('87.4999900');
    expect(manual.balance(bob.address)).toBe('22.5000000');
    expect(await a.getChainNonce?.(alice.address)).toBe((BigInt(nonce as string) + 1n).toString());
  });

  it('credit asset payment between trustlines; missing trustline is a preflight error', async () => {
    const issuer = wallet();
    const alice = wallet();
    const bob = wallet();
    const carol = wallet();
    for (const w of [alice, bob, carol, issuer]) peer.fund(w.address, 20);
    peer.trust(alice.address, usd);
    peer.trust(bob.address, usd);
    peer.pay(alice.address, usd, 100);

    const i = await intent(adapter, alice, bob.address, usd.id, '40.25');
    expect(i.token).toEqual({ kind: 'token', address: usd.id, decimals: 7, symbol: 'USD' });
    const { pre, signed, details } = await prepare(adapter, alice, i);
    expect(pre.totalSpent).toBe('100'); // only the fee in XLM
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: false });
    expect(await adapter.getStatus(signed.hash, { details })).toMatchObject({ state: 'included', final: true });
    expect(peer.balance(alice.address, usd)).toBe('59.7500000');
    expect(peer.balance(bob.address, usd)).toBe('40.2500000');
    expect(peer.balance(alice.address)).toBe('19.9999900');

    const noTrust = await adapter.preflight(await intent(adapter, alice, carol.address, usd.id, '1'));
    expect(noTrust.errors.map((e) => e.id)).toEqual(['destination_no_trustline']);
    const tooMuch = await adapter.preflight(await intent(adapter, alice, bob.address, usd.id, '60'));
    expect(tooMuch.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    const noLine = await adapter.preflight(await intent(adapter, carol, bob.address, usd.id, '1'));
    expect(noLine.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
  });

  it('create_account for a new destination; too little to open one is destination_missing', async () => {
    const alice = wallet();
    const fresh = wallet();
    peer.fund(alice.address, 50);

    const small = await adapter.preflight(await intent(adapter, alice, fresh.address, 'XLM', '0.5'));
    expect(small.errors.map((e) => e.id)).toEqual(['destination_missing']);

    const i = await intent(adapter, alice, fresh.address, 'XLM', '5');
    const { pre, signed, details } = await prepare(adapter, alice, i);
    expect(pre.context.createAccount).toBe(true);
    expect(pre.warnings.map((w) => w.id)).toEqual(['destination_created']);
    expect(details.operation).toBe('create_account');
    await adapter.broadcast(signed);
    expect(await adapter.getStatus(signed.hash, { details })).toMatchObject({ state: 'included', final: true });
    expect(peer.balance(fresh.address)).toBe('5.0000000');
    expect(peer.balance(alice.address)).toBe('44.9999900');
  });

  it('resubmitting an applied transaction is alreadyKnown and changes nothing', async () => {
    const alice = wallet();
    const bob = wallet();
    peer.fund(alice.address, 30);
    peer.fund(bob.address, 1);
    const { signed } = await prepare(adapter, alice, await intent(adapter, alice, bob.address, 'XLM', '3'));
    expect((await adapter.broadcast(signed)).alreadyKnown).toBe(false);
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
    expect(peer.balance(bob.address)).toBe('4.0000000');
  });

  it('a stale sequence is a terminal bad_sequence; a fresh getChainNonce rebuild succeeds', async () => {
    const alice = wallet();
    const bob = wallet();
    peer.fund(alice.address, 30);
    peer.fund(bob.address, 1);
    const stale = String(peer.account(alice.address)?.seq); // already used
    const i = await intent(adapter, alice, bob.address, 'XLM', '2');
    const { signed } = await prepare(adapter, alice, i, { nonce: stale });
    const err = await rejection(adapter.broadcast(signed));
    expect(err).toMatchObject({ id: 'bad_sequence', kind: 'terminal' });
    expect(err.meta?.codes).toEqual({ transaction: 'tx_bad_seq' });

    const retry = await prepare(adapter, alice, i);
    expect(retry.signed.hash).not.toBe(signed.hash);
    await adapter.broadcast(retry.signed);
    expect(await adapter.getStatus(retry.signed.hash, { details: retry.details })).toMatchObject({ state: 'included' });
    expect(peer.balance(bob.address)).toBe('3.0000000');
  });

  it('fee ceilings: maxFee or a network cap below the base fee is refused; a maxFee at the base fee lands', async () => {
    const alice = wallet();
    const bob = wallet();
    peer.fund(alice.address, 10);
    peer.fund(bob.address, 1);
    const i = await intent(adapter, alice, bob.address, 'XLM', '1');
    const base = BigInt((await adapter.preflight(i)).fee);
    const short = await adapter.preflight({ ...i, maxFee: (base - 1n).toString() });
    expect(short.errors).toEqual([{ id: 'fee_cap_exceeded', message: expect.stringContaining('base fee') }]);
    const tight = createStellarAdapter({ ...local, rpcUrl: peer.horizonUrl, feeCaps: { maxFeePerOpStroops: '1' } });
    expect((await tight.preflight(i)).errors.map((e) => e.id)).toEqual(['fee_cap_exceeded']);
    const { pre, signed, details } = await prepare(adapter, alice, { ...i, maxFee: base.toString() });
    expect(pre.fee).toBe(base.toString());
    await adapter.broadcast(signed);
    expect((await waitIncluded(adapter, signed.hash, details)).state).toBe('included');
  });

  it('insufficient balance (reserve included) is a preflight error', async () => {
    const alice = wallet();
    const bob = wallet();
    peer.fund(alice.address, 10);
    peer.fund(bob.address, 1);
    // 10 XLM - 1 XLM reserve = 9 available; 9 + fee is too much
    const pre = await adapter.preflight(await intent(adapter, alice, bob.address, 'XLM', '9'));
    expect(pre.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    expect(pre.errors[0]?.message).toMatch(/reserve/);
    peer.trust(alice.address, usd); // one subentry: reserve is now 1.5 XLM
    const withLine = await adapter.preflight(await intent(adapter, alice, bob.address, 'XLM', '8.5'));
    expect(withLine.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    const ok = await adapter.preflight(await intent(adapter, alice, bob.address, 'XLM', '8.4999'));
    expect(ok.errors).toEqual([]);

    const huge = await adapter.preflight(await intent(adapter, alice, bob.address, 'XLM', '922337203685.4775808'));
    expect(huge.errors.map((e) => e.id)).toEqual(['bad_amount', 'insufficient_funds']);

    const ghost = wallet();
    const missing = await adapter.preflight(await intent(adapter, ghost, bob.address, 'XLM', '1'));
    expect(missing.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    expect(await rejection(adapter.getChainNonce?.(ghost.address) as Promise<string>)).toMatchObject({
      id: 'insufficient_funds',
    });
  });

  it('a wrong signature fails in assemble; a tampered envelope is rejected with tx_bad_auth', async () => {
    const alice = wallet();
    const bob = wallet();
    const mallory = wallet();
    peer.fund(alice.address, 30);
    peer.fund(bob.address, 1);
    const i = await intent(adapter, alice, bob.address, 'XLM', '1');
    const pre = await adapter.preflight(i);
    const unsigned = await adapter.build(i, pre, { nonce: await adapter.getChainNonce?.(alice.address) });
    const payload = unsigned.payloads[0]?.payload as string;
    expect(() => adapter.assemble(unsigned, [signWithPrivateKey('ed25519', mallory.sk, payload)])).toThrow(
      expect.objectContaining({ id: 'signing_failed', kind: 'terminal' }),
    );

    const signed = adapter.assemble(unsigned, [signWithPrivateKey('ed25519', alice.sk, payload)]);
    const env = xdr.TransactionEnvelope.fromXDR(signed.raw, 'base64');
    const sig = env.v1().signatures()[0] as xdr.DecoratedSignature;
    const bytes = Buffer.from(sig.signature());
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    sig.signature(bytes);
    const tampered = { raw: env.toXDR('base64'), hash: signed.hash };
    const err = await rejection(adapter.broadcast(tampered));
    expect(err).toMatchObject({ id: 'bad_signature', kind: 'terminal' });
    expect(err.meta?.codes).toEqual({ transaction: 'tx_bad_auth' });
    expect(peer.balance(bob.address)).toBe('1.0000000');
  });

  it('expired time bounds: tx_too_late at broadcast, expired in status', async () => {
    const alice = wallet();
    const bob = wallet();
    peer.fund(alice.address, 30);
    peer.fund(bob.address, 1);
    const past = Math.floor(Date.now() / 1000) - 10;
    const { signed, details } = await prepare(adapter, alice, await intent(adapter, alice, bob.address, 'XLM', '1'), {
      tweak: (p) => {
        p.context.maxTime = past;
      },
    });
    expect(details.maxTime).toBe(past);
    const err = await rejection(adapter.broadcast(signed));
    expect(err).toMatchObject({ id: 'tx_expired', kind: 'terminal' });
    expect(err.meta?.codes).toEqual({ transaction: 'tx_too_late' });
    const status = await adapter.getStatus(signed.hash, { details });
    expect(status.state).toBe('expired');

    // A live transaction that is simply unknown is not_found, not expired.
    const live = await prepare(adapter, alice, await intent(adapter, alice, bob.address, 'XLM', '1'));
    expect(await adapter.getStatus(live.signed.hash, { details: live.details })).toEqual({ state: 'not_found' });
  });

  it('a transfer that lands but fails (op_underfunded) is broadcast, then failed and final in status', async () => {
    const a = manualAdapter;
    const alice = wallet(a);
    const bob = wallet(a);
    manual.fund(alice.address, 20);
    manual.fund(bob.address, 1);
    // Two transfers, both preflighted against the same balance; together they overdraw.
    const i1 = await intent(a, alice, bob.address, 'XLM', '12');
    const i2 = await intent(a, alice, bob.address, 'XLM', '12');
    const n1 = (await a.getChainNonce?.(alice.address)) as string;
    const t1 = await prepare(a, alice, i1, { nonce: n1 });
    const t2 = await prepare(a, alice, i2, { nonce: (BigInt(n1) + 1n).toString() });
    // One queued transaction per account (stellar-core): they land in consecutive ledgers.
    expect(await closeAfter(manual, a.broadcast(t1.signed))).toEqual({ hash: t1.signed.hash, alreadyKnown: false });
    expect(await closeAfter(manual, a.broadcast(t2.signed))).toEqual({ hash: t2.signed.hash, alreadyKnown: false });
    expect(await a.getStatus(t1.signed.hash, { details: t1.details })).toMatchObject({ state: 'included' });
    expect(await a.getStatus(t2.signed.hash, { details: t2.details })).toMatchObject({
      state: 'failed',
      reason: 'tx_failed: op_underfunded',
      final: true,
    });
    // Fee and sequence of the failed one are consumed.
    expect(manual.balance(alice.address)).toBe('7.9999800');
    expect(await a.getChainNonce?.(alice.address)).toBe((BigInt(n1) + 2n).toString());
  });

  it('a second queued transaction from one account (core TRY_AGAIN_LATER) is a retryable 504', async () => {
    const p = await startStellarTestPeer({ ledgerMs: 0, submitTimeoutMs: 400 });
    try {
      const a = createStellarAdapter({ ...local, rpcUrl: p.horizonUrl });
      const alice = wallet(a);
      const bob = wallet(a);
      p.fund(alice.address, 50);
      p.fund(bob.address, 1);
      const n1 = (await a.getChainNonce?.(alice.address)) as string;
      const t1 = await prepare(a, alice, await intent(a, alice, bob.address, 'XLM', '1'), { nonce: n1 });
      const t2 = await prepare(a, alice, await intent(a, alice, bob.address, 'XLM', '2'), {
        nonce: (BigInt(n1) + 1n).toString(),
      });
      const first = rejection(a.broadcast(t1.signed));
      while (p.pendingCount() === 0) await new Promise((r) => setTimeout(r, 10));
      expect(await rejection(a.broadcast(t2.signed))).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
      // No ledger closed within Horizon's wait: the first one is a 504 (unknown) as well, but stays queued.
      expect(await first).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
      p.closeLedger();
      // The workflow's retries: the first is already on chain, the second now goes through.
      expect(await a.broadcast(t1.signed)).toEqual({ hash: t1.signed.hash, alreadyKnown: true });
      expect(await closeAfter(p, a.broadcast(t2.signed))).toEqual({ hash: t2.signed.hash, alreadyKnown: false });
      expect(p.balance(bob.address)).toBe('4.0000000');
    } finally {
      await p.stop();
    }
  });

  it('Horizon 504 on submit is retryable, and the retry is idempotent', async () => {
    const alice = wallet();
    const bob = wallet();
    peer.fund(alice.address, 30);
    peer.fund(bob.address, 1);
    const { signed, details } = await prepare(adapter, alice, await intent(adapter, alice, bob.address, 'XLM', '2'));
    peer.injectFault({ method: 'POST', path: '/transactions', status: 504 });
    expect(await rejection(adapter.broadcast(signed))).toMatchObject({ id: 'rpc_failed', kind: 'retryable' });
    expect((await adapter.broadcast(signed)).hash).toBe(signed.hash);
    await waitIncluded(adapter, signed.hash, details);
    expect(peer.balance(bob.address)).toBe('3.0000000');
  });

  it('memo rules: over 28 bytes, and SEP-29 memo_required destinations', async () => {
    const alice = wallet();
    const exchange = wallet();
    peer.fund(alice.address, 30);
    peer.fund(exchange.address, 1);
    const long = await adapter.preflight(await intent(adapter, alice, exchange.address, 'XLM', '1', 'x'.repeat(29)));
    expect(long.errors.map((e) => e.id)).toEqual(['memo_too_long']);
    peer.setData(exchange.address, 'config.memo_required', Buffer.from('1').toString('base64'));
    const noMemo = await adapter.preflight(await intent(adapter, alice, exchange.address, 'XLM', '1'));
    expect(noMemo.errors.map((e) => e.id)).toEqual(['memo_required']);
    const withMemo = await adapter.preflight(await intent(adapter, alice, exchange.address, 'XLM', '1', '12345'));
    expect(withMemo.errors).toEqual([]);
  });

  it('faucet funds through the peer friendbot (XLM and a peer-issued asset)', async () => {
    const w = wallet();
    const res = await adapter.faucet?.(w.address, '250000000');
    expect(res?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(peer.balance(w.address)).toBe('25.0000000');
    await adapter.faucet?.(w.address, '10000000');
    expect(peer.balance(w.address)).toBe('26.0000000');

    const token = await adapter.resolveToken('USDC'); // stellar-local's USDC: the peer's well-known issuer
    expect(await rejection(adapter.faucet?.(w.address, '10000000', token) as Promise<unknown>)).toMatchObject({
      id: 'destination_no_trustline',
    });
    peer.trust(w.address, token.kind === 'token' ? token.address : '');
    await adapter.faucet?.(w.address, '70000000', token);
    expect(peer.balance(w.address, token.kind === 'token' ? token.address : '')).toBe('7.0000000');

    const pubnet = createStellarAdapter({ ...local, name: 'x', dev: false });
    expect(await rejection(pubnet.faucet?.(w.address, '1') as Promise<unknown>)).toMatchObject({
      id: 'faucet_unavailable',
    });
  });

  it('unreachable Horizon is retryable', async () => {
    const dead = createStellarAdapter({ ...local, rpcUrl: 'http://127.0.0.1:9' });
    expect(await rejection(dead.getStatus('00'.repeat(32), { details: {} }))).toMatchObject({
      id: 'rpc_failed',
      kind: 'retryable',
    });
  });
});

describe('stellar chain identity', () => {
  it('a network pointed at a Horizon of another network (testnet at the local peer): rpc_chain_mismatch before signing', async () => {
    const testnet = (
      JSON.parse(readFileSync(new URL('../networks/stellar.json', import.meta.url), 'utf8')) as NetworkConfig[]
    ).find((n) => n.name === 'stellar-testnet')!;
    const wrong = createStellarAdapter({ ...testnet, rpcUrl: peer.horizonUrl });
    const alice = wallet(wrong);
    peer.fund(alice.address, 20);
    const err = await rejection(wrong.preflight(await intent(wrong, alice, wallet().address, 'NATIVE', '1')));
    expect([err.id, err.kind]).toEqual(['rpc_chain_mismatch', 'terminal']);
    expect(err.message).toContain('Test SDF Network ; September 2015');
    expect(err.message).toContain(peer.passphrase);
  });
});

describe('stellar memos and muxed destinations', () => {
  const onChain = async (hash: string) => {
    const res = await fetch(`${peer.horizonUrl}/transactions/${hash}`);
    const tx = (await res.json()) as { memo_type: string; memo?: string; envelope_xdr: string };
    const decoded = TransactionBuilder.fromXDR(tx.envelope_xdr, peer.passphrase) as Transaction;
    return {
      memoType: tx.memo_type,
      memo: tx.memo,
      op: decoded.operations[0] as { type: string; destination: string },
    };
  };

  it('a payment to a muxed M… address credits its base account; the muxed id is in the operation on chain', async () => {
    const alice = wallet();
    const bob = wallet();
    peer.fund(alice.address, 30);
    peer.fund(bob.address, 1);
    const muxed = new MuxedAccount(new Account(bob.address, '0'), '4242').accountId();
    expect(adapter.validateAddress(muxed)).toBe(true);
    const { signed, details } = await prepare(adapter, alice, await intent(adapter, alice, muxed, 'XLM', '2'));
    await adapter.broadcast(signed);
    expect(await waitIncluded(adapter, signed.hash, details)).toMatchObject({ state: 'included' });
    expect(peer.balance(bob.address)).toBe('3.0000000');
    const { op } = await onChain(signed.hash);
    expect(op.type).toBe('payment');
    expect(op.destination).toBe(muxed);
    expect(MuxedAccount.fromAddress(op.destination, '0').id()).toBe('4242');
  });

  it('muxed destinations that cannot work are refused in preflight: unfunded base account, the sender itself', async () => {
    const alice = wallet();
    peer.fund(alice.address, 30);
    const nobody = new MuxedAccount(new Account(wallet().address, '0'), '7').accountId();
    const missing = await adapter.preflight(await intent(adapter, alice, nobody, 'XLM', '5'));
    expect(missing.errors.map((e) => e.id)).toEqual(['destination_missing']);
    const self = new MuxedAccount(new Account(alice.address, '0'), '7').accountId();
    const own = await adapter.preflight(await intent(adapter, alice, self, 'XLM', '1'));
    expect(own.errors.map((e) => e.id)).toEqual(['to_is_sender']);
  });

  it('MEMO_ID (what exchanges use): the uint64 is on chain as memo type id; a bad id is refused', async () => {
    const alice = wallet();
    const exchange = wallet();
    peer.fund(alice.address, 30);
    peer.fund(exchange.address, 1);
    peer.setData(exchange.address, 'config.memo_required', Buffer.from('1').toString('base64'));
    const id = '18446744073709551615';
    const i = { ...(await intent(adapter, alice, exchange.address, 'XLM', '1', id)), memoType: 'id' as const };
    const { signed, details } = await prepare(adapter, alice, i);
    await adapter.broadcast(signed);
    await waitIncluded(adapter, signed.hash, details);
    expect(await onChain(signed.hash)).toMatchObject({ memoType: 'id', memo: id });
    expect(peer.balance(exchange.address)).toBe('2.0000000');
    for (const bad of ['18446744073709551616', '-1', '0x10', '007', 'abc']) {
      const refused = await adapter.preflight({ ...i, memo: bad });
      expect([bad, refused.errors.map((e) => e.id)]).toEqual([bad, ['bad_memo_id']]);
    }
  });
});
