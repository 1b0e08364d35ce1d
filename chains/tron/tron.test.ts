/**
 * The Tron adapter end to end against the TRON TEST PEER (test/peers/tron), signing with a local secp256k1
 * key exactly as the MPC signer would (r||s + recovery): preflight → build → sign → assemble → broadcast →
 * status pending/included → solidified final, plus the failure paths a real node produces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { startTronTestPeer, TEST_USDT_ADDRESS, type TronTestPeer } from '../../test/peers/tron/index.js';
import { loadNetworks } from '../networks.js';
import type {
  ChainAdapter,
  ChainStatus,
  NetworkConfig,
  PreflightResult,
  ResolvedToken,
  SignedTx,
  TransferIntent,
  UnsignedTx,
} from '../types.js';
import { tronAddressFromPublicKey } from './address.js';
import { createTronAdapter } from './index.js';

const TRX: ResolvedToken = { kind: 'native', symbol: 'TRX', decimals: 6 };

let peer: TronTestPeer;
let network: NetworkConfig;
let adapter: ChainAdapter;

beforeAll(async () => {
  peer = await startTronTestPeer({ blockMs: 250, solidifyDepth: 3 });
  const local = loadNetworks({}).find((n) => n.name === 'tron-local');
  if (!local) throw new Error('tron-local missing from chains/networks/tron.json');
  network = { ...local, rpcUrl: peer.fullNodeUrl };
  adapter = createTronAdapter(network);
});
afterAll(async () => {
  await peer?.stop();
});

interface Wallet {
  sk: string;
  publicKey: string;
  address: string;
}

function wallet(): Wallet {
  const sk = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', sk);
  return { sk, publicKey, address: tronAddressFromPublicKey(publicKey) };
}

let seq = 0;
function intent(from: Wallet, to: string, token: ResolvedToken, rawAmount: string): TransferIntent {
  return {
    transferId: `t${++seq}`,
    chain: 'tron-local',
    from: { address: from.address, publicKey: from.publicKey },
    to,
    token,
    rawAmount,
  };
}

function sign(a: ChainAdapter, unsigned: UnsignedTx, sk: string): SignedTx {
  return a.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
}

async function prepare(i: TransferIntent, sk: string, a: ChainAdapter = adapter) {
  const preflight = await a.preflight(i);
  const unsigned = await a.build(i, preflight, {});
  return { preflight, unsigned, signed: sign(a, unsigned, sk) };
}

/** Polls getStatus until `done`, recording every state seen. */
async function watch(hash: string, unsigned: UnsignedTx, done: (s: ChainStatus) => boolean, ms = 15_000) {
  const seen: ChainStatus[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await adapter.getStatus(hash, { details: unsigned.details, submittedAt: Date.now() });
    seen.push(s);
    if (done(s)) return { last: s, seen };
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`status never reached the goal; last: ${JSON.stringify(seen.at(-1))}`);
}

const isFinal = (s: ChainStatus) => (s.state === 'included' || s.state === 'failed') && s.final;

async function txInfo(txid: string): Promise<{ fee?: number; blockNumber: number }> {
  const res = await fetch(`${peer.fullNodeUrl}/wallet/gettransactioninfobyid`, {
    method: 'POST',
    body: JSON.stringify({ value: txid }),
  });
  return (await res.json()) as { fee?: number; blockNumber: number };
}

async function expectRejection(p: Promise<unknown>, id: string, kind: BaseError['kind']): Promise<BaseError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${id}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BaseError);
  expect({ id: (err as BaseError).id, kind: (err as BaseError).kind }).toEqual({ id, kind });
  return err as BaseError;
}

describe('tron adapter against the test peer', () => {
  it('has the adapter shape the workflow expects', () => {
    expect(adapter.sequencing).toBe('none');
    expect(adapter.curve).toBe('secp256k1');
    expect(network.finality).toBe('tag');
    expect(network.nativeDecimals).toBe(6);
  });

  it('sends TRX: preflight fee = charged fee, pending → included → solidified final, resend is alreadyKnown', async () => {
    const alice = wallet();
    const bob = wallet();
    await adapter.faucet!(alice.address, '20000000');
    expect(peer.balanceOf(alice.address)).toBe(20_000_000n);

    const i = intent(alice, bob.address, TRX, '2500000');
    const { preflight, unsigned, signed } = await prepare(i, alice.sk);
    expect(preflight.errors).toEqual([]);
    // bob does not exist yet: 1 TRX account creation + 0.1 TRX bandwidth
    expect(preflight.fee).toBe('1100000');
    expect(preflight.totalSpent).toBe('3600000');
    expect(signed.hash).toBe(unsigned.payloads[0]!.payload);
    expect(unsigned.details.expiration).toBe((preflight.context.refBlockTimestamp as number) + 60_000);

    const status = () => adapter.getStatus(signed.hash, { details: unsigned.details, submittedAt: Date.now() });
    // step blocks by hand so every stage is observed deterministically
    peer.pauseBlocks();
    try {
      expect((await status()).state).toBe('not_found');
      expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: false });
      expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
      expect(await status()).toEqual({ state: 'pending' });

      const included = peer.produceBlocks(1);
      const first = await status();
      expect(first).toMatchObject({ state: 'included', blockNumber: String(included), confirmations: 1, final: false });
      peer.produceBlocks(2);
      expect(await status()).toMatchObject({ state: 'included', confirmations: 3, final: false });
      peer.produceBlocks(1); // solidifyDepth = 3 blocks on top
      const last = await status();
      expect(last).toMatchObject({ state: 'included', blockNumber: String(included), confirmations: 4, final: true });
      if (last.state !== 'included' || first.state !== 'included') throw new Error('expected included');
      expect(last.blockHash).toBe(first.blockHash);
      expect(last.blockHash).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.parseInt(last.blockHash.slice(0, 16), 16)).toBe(included);
    } finally {
      peer.resumeBlocks();
    }

    const info = await txInfo(signed.hash);
    expect(String(info.fee)).toBe(preflight.fee);
    expect(peer.balanceOf(alice.address)).toBe(20_000_000n - 2_500_000n - 1_100_000n);
    expect(peer.balanceOf(bob.address)).toBe(2_500_000n);
    // resend after it is final: still success, never a second transfer
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
    expect(peer.balanceOf(bob.address)).toBe(2_500_000n);
  });

  it('estimates bandwidth exactly: free net first, then burned per byte', async () => {
    const alice = wallet();
    const bob = wallet();
    await adapter.faucet!(alice.address, '30000000');
    await adapter.faucet!(bob.address, '1');
    const fees: string[] = [];
    let expectedBalance = 30_000_000n;
    for (let k = 0; k < 4; k++) {
      const { preflight, unsigned, signed } = await prepare(intent(alice, bob.address, TRX, '1000'), alice.sk);
      await adapter.broadcast(signed);
      await watch(signed.hash, unsigned, (s) => s.state === 'included');
      expect(String((await txInfo(signed.hash)).fee ?? 0)).toBe(preflight.fee);
      fees.push(preflight.fee);
      expectedBalance -= 1000n + BigInt(preflight.fee);
    }
    // 600 bytes of free net per account cover two ~270-byte transfers; the rest burn 1000 sun/byte
    expect(fees.slice(0, 2)).toEqual(['0', '0']);
    expect(Number(fees[2])).toBeGreaterThan(200_000);
    expect(peer.balanceOf(alice.address)).toBe(expectedBalance);
  });

  it('sends a TRC-20 (USDT) transfer with fee_limit; energy fee matches the estimate', async () => {
    const usdt = await adapter.resolveToken('USDT');
    expect(usdt).toEqual({ kind: 'token', address: TEST_USDT_ADDRESS, decimals: 6, symbol: 'USDT' });
    expect(await adapter.resolveToken(TEST_USDT_ADDRESS)).toEqual(usdt);
    const other = peer.deployTrc20({ symbol: 'EURX', decimals: 2, address: wallet().address });
    expect(await adapter.resolveToken(other)).toEqual({ kind: 'token', address: other, decimals: 2 });
    await expectRejection(
      Promise.resolve().then(() => adapter.resolveToken(wallet().address)),
      'token_unsupported',
      'terminal',
    );

    const alice = wallet();
    const bob = wallet();
    await adapter.faucet!(alice.address, '50000000');
    await adapter.faucet!(alice.address, '10000000', usdt);
    expect(peer.trc20BalanceOf(TEST_USDT_ADDRESS, alice.address)).toBe(10_000_000n);

    const { preflight, unsigned, signed } = await prepare(intent(alice, bob.address, usdt, '4000000'), alice.sk);
    expect(preflight.errors).toEqual([]);
    expect(preflight.context.feeLimit).toBe(100_000_000);
    expect(JSON.parse(signed.raw).raw_data.fee_limit).toBe(100_000_000);
    expect(Number(preflight.fee)).toBeGreaterThan(0);
    expect(preflight.totalSpent).toBe(preflight.fee);

    await adapter.broadcast(signed);
    const { last } = await watch(signed.hash, unsigned, isFinal);
    expect(last.state).toBe('included');
    expect(String((await txInfo(signed.hash)).fee)).toBe(preflight.fee);
    expect(peer.trc20BalanceOf(TEST_USDT_ADDRESS, alice.address)).toBe(6_000_000n);
    expect(peer.trc20BalanceOf(TEST_USDT_ADDRESS, bob.address)).toBe(4_000_000n);
    expect(peer.balanceOf(alice.address)).toBe(50_000_000n - BigInt(preflight.fee));
  });

  it('fee caps: fee_limit lowered to fit a request maxFee and the fee stays within it; over maxFee or the network cap refused', async () => {
    const usdt = await adapter.resolveToken('USDT');
    const alice = wallet();
    await adapter.faucet!(alice.address, '50000000');
    await adapter.faucet!(alice.address, '10000000', usdt);
    const i = intent(alice, wallet().address, usdt, '1000000');
    const estimate = await adapter.preflight(i);
    expect(estimate.errors).toEqual([]);
    const fee = BigInt(estimate.fee);

    const short = await adapter.preflight({ ...i, maxFee: (fee - 1n).toString() });
    expect(short.errors.map((e) => e.id)).toEqual(['fee_cap_exceeded']);
    const capped = createTronAdapter({ ...network, feeCaps: { feeLimitSun: '1000' } });
    expect((await capped.preflight(i)).errors.map((e) => e.id)).toEqual(['fee_cap_exceeded']);
    // A TRX transfer that activates its recipient costs 1.1 TRX: above a 1000 sun cap too.
    const activation = await capped.preflight(intent(alice, wallet().address, TRX, '1000000'));
    expect(activation.errors).toEqual([{ id: 'fee_cap_exceeded', message: expect.stringContaining('network cap') }]);

    const maxFee = fee + 1_000n;
    const { preflight, unsigned, signed } = await prepare({ ...i, maxFee: maxFee.toString() }, alice.sk);
    expect(preflight.errors).toEqual([]);
    const feeLimit = JSON.parse(signed.raw).raw_data.fee_limit as number;
    // Worst case (every sun of fee_limit burnt) stays within maxFee; the estimated energy still fits under it.
    expect(feeLimit).toBeLessThan(100_000_000);
    expect(BigInt(feeLimit)).toBeLessThanOrEqual(maxFee);
    expect(BigInt(feeLimit)).toBeGreaterThanOrEqual(fee);
    await adapter.broadcast(signed);
    const { last } = await watch(signed.hash, unsigned, isFinal);
    expect(last.state).toBe('included');
    expect(BigInt((await txInfo(signed.hash)).fee as number)).toBeLessThanOrEqual(maxFee);
  });

  it('reports a reverted TRC-20 transfer as failed (final), fee still charged', async () => {
    const usdt = await adapter.resolveToken('USDT');
    const alice = wallet();
    await adapter.faucet!(alice.address, '50000000');
    await adapter.faucet!(alice.address, '1000', usdt);
    const i = intent(alice, wallet().address, usdt, '5000');
    const preflight = await adapter.preflight(i);
    expect(preflight.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    // send it anyway (the token balance could have changed between preflight and inclusion)
    const unsigned = await adapter.build(i, preflight, {});
    const signed = sign(adapter, unsigned, alice.sk);
    await adapter.broadcast(signed);
    const { last } = await watch(signed.hash, unsigned, isFinal);
    expect(last).toMatchObject({ state: 'failed', final: true });
    if (last.state === 'failed') expect(last.reason).toMatch(/REVERT/);
    expect(peer.balanceOf(alice.address)).toBeLessThan(50_000_000n);
  });

  it('rejects a tampered signature with SIGERROR as terminal invalid_signature', async () => {
    const alice = wallet();
    await adapter.faucet!(alice.address, '10000000');
    const { signed } = await prepare(intent(alice, wallet().address, TRX, '1000'), alice.sk);
    const tx = JSON.parse(signed.raw) as { signature: string[] };
    const sig = tx.signature[0]!;
    tx.signature = [`${sig.slice(0, 70)}${sig[70] === 'a' ? 'b' : 'a'}${sig.slice(71)}`];
    const err = await expectRejection(
      adapter.broadcast({ ...signed, raw: JSON.stringify(tx) }),
      'invalid_signature',
      'terminal',
    );
    expect(err.message).toMatch(/SIGERROR/);
    // the untouched one still goes through
    expect((await adapter.broadcast(signed)).alreadyKnown).toBe(false);
  });

  it('expiration: a late broadcast is tx_expired (rebuild), an unsent tx turns expired after the solidified head passes it', async () => {
    const shortLived = createTronAdapter({ ...network, params: { ...network.params, expirationMs: 1 } });
    const alice = wallet();
    await adapter.faucet!(alice.address, '10000000');
    const { unsigned, signed } = await prepare(intent(alice, wallet().address, TRX, '1000'), alice.sk, shortLived);
    const expiration = unsigned.details.expiration as number;
    await new Promise((r) => setTimeout(r, 600)); // a block or two later: head time ≥ expiration
    expect(peer.chain.head().timestamp).toBeGreaterThanOrEqual(expiration);
    const err = await expectRejection(adapter.broadcast(signed), 'tx_expired', 'terminal');
    expect(err.message).toMatch(/TRANSACTION_EXPIRATION_ERROR/);
    const { last } = await watch(signed.hash, unsigned, (s) => s.state === 'expired');
    expect(last.state).toBe('expired');
    expect(peer.chain.solidHead().timestamp).toBeGreaterThanOrEqual(expiration);

    // built, signed, never sent: expired once the solidified head is past its expiration
    const unsent = await prepare(intent(alice, wallet().address, TRX, '2000'), alice.sk, shortLived);
    const unsentStatus = await watch(unsent.signed.hash, unsent.unsigned, (s) => s.state !== 'not_found');
    expect(unsentStatus.last.state).toBe('expired');
    expect(unsentStatus.seen.slice(0, -1).every((s) => s.state === 'not_found')).toBe(true);

    // a normal-lifetime tx that is built but never sent is simply not_found (it could still land)
    const fresh = await prepare(intent(alice, wallet().address, TRX, '1000'), alice.sk);
    expect((await adapter.getStatus(fresh.signed.hash, { details: fresh.unsigned.details })).state).toBe('not_found');
  });

  it('an unknown reference block is TAPOS_ERROR → tx_expired', async () => {
    const alice = wallet();
    await adapter.faucet!(alice.address, '10000000');
    const i = intent(alice, wallet().address, TRX, '1000');
    const preflight = await adapter.preflight(i);
    const forged: PreflightResult = {
      ...preflight,
      context: { ...preflight.context, refBlockId: `${'0'.repeat(12)}ffff${'ab'.repeat(24)}` },
    };
    const unsigned = await adapter.build(i, forged, {});
    const err = await expectRejection(adapter.broadcast(sign(adapter, unsigned, alice.sk)), 'tx_expired', 'terminal');
    expect(err.message).toMatch(/TAPOS_ERROR/);
  });

  it('insufficient funds: preflight errors, and the node refusal is terminal insufficient_funds', async () => {
    const usdt = await adapter.resolveToken('USDT');
    const empty = wallet();
    expect((await adapter.preflight(intent(empty, wallet().address, TRX, '1000'))).errors.map((e) => e.id)).toEqual([
      'insufficient_funds',
    ]);

    const poor = wallet();
    await adapter.faucet!(poor.address, '1000000');
    const i = intent(poor, wallet().address, TRX, '5000000');
    const preflight = await adapter.preflight(i);
    expect(preflight.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    expect((await adapter.preflight(intent(poor, wallet().address, usdt, '1'))).errors.map((e) => e.id)).toContain(
      'insufficient_funds',
    );

    const unsigned = await adapter.build(i, preflight, {});
    const err = await expectRejection(
      adapter.broadcast(sign(adapter, unsigned, poor.sk)),
      'insufficient_funds',
      'terminal',
    );
    expect(err.message).toMatch(/balance is not sufficient/);
  });

  it('user errors come back from preflight, not thrown', async () => {
    const alice = wallet();
    await adapter.faucet!(alice.address, '1000000');
    const bad = await adapter.preflight(intent(alice, '0xdAC17F958D2ee523a2206206994597C13D831ec7', TRX, '1'));
    expect(bad.errors.map((e) => e.id)).toEqual(['bad_to']);
    const self = await adapter.preflight(intent(alice, alice.address, TRX, '1'));
    expect(self.errors.map((e) => e.id)).toEqual(['bad_to']);
    expect(adapter.validateAddress(alice.address)).toBe(true);
    expect(adapter.validateAddress('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u')).toBe(false);
  });

  it('classifies an unreachable node as retryable rpc_failed, and the faucet only exists on dev chains', async () => {
    const down = createTronAdapter({ ...network, rpcUrl: 'http://127.0.0.1:1' });
    await expectRejection(down.getStatus('00'.repeat(32), { details: {} }), 'rpc_failed', 'retryable');
    const alice = wallet();
    await expectRejection(down.preflight(intent(alice, wallet().address, TRX, '1')), 'rpc_failed', 'retryable');
    const mainnet = createTronAdapter({ ...network, name: 'tron', dev: false });
    await expectRejection(mainnet.faucet!(alice.address, '1'), 'faucet_unavailable', 'terminal');
  });
});

describe('tron chain identity', () => {
  const genesisId = async () => {
    const res = await fetch(`${peer.fullNodeUrl}/wallet/getblockbynum`, { method: 'POST', body: '{"num":0}' });
    return ((await res.json()) as { blockID: string }).blockID;
  };

  it('a network pointed at a node of another chain (Nile at the local peer): rpc_chain_mismatch before signing', async () => {
    const nile = loadNetworks({}).find((n) => n.name === 'tron-nile')!;
    const wrong = createTronAdapter({ ...nile, rpcUrl: peer.fullNodeUrl });
    const alice = wallet();
    const err = await expectRejection(
      wrong.preflight({ ...intent(alice, wallet().address, TRX, '1'), chain: 'tron-nile' }),
      'rpc_chain_mismatch',
      'terminal',
    );
    expect(err.message).toContain(`…cd8690dc`);
    expect(err.message).toContain(await genesisId());
  });

  it('a network whose caip2 names the node’s genesis block passes the check', async () => {
    const alice = wallet();
    await adapter.faucet!(alice.address, '2000000');
    const pinned = createTronAdapter({ ...network, caip2: `tron:0x${(await genesisId()).slice(-8)}` });
    const preflight = await pinned.preflight(intent(alice, wallet().address, TRX, '1'));
    expect(preflight.errors).toEqual([]);
  });
});
