/**
 * Mainnet Tron rules the default test peer leaves off, enforced by a TRON TEST PEER configured like mainnet:
 * TIP-387's memo fee (getMemoFee = 1 TRX: a memo transfer burns it, and one whose sender cannot pay it is refused),
 * and TronGrid's rate limit answered as HTTP 200 with an `{ Error }` body (retryable, not a terminal refusal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { startTronTestPeer, type TronTestPeer } from '../../test/peers/tron/index.js';
import { loadNetworks } from '../networks.js';
import type { ChainAdapter, ResolvedToken, TransferIntent } from '../types.js';
import { tronAddressFromPublicKey } from './address.js';
import { createTronAdapter } from './index.js';

const TRX: ResolvedToken = { kind: 'native', symbol: 'TRX', decimals: 6 };
const MEMO_FEE = 1_000_000n;

let peer: TronTestPeer;
let adapter: ChainAdapter;

beforeAll(async () => {
  peer = await startTronTestPeer({ blockMs: 250, solidifyDepth: 3, params: { getMemoFee: Number(MEMO_FEE) } });
  const local = loadNetworks({}).find((n) => n.name === 'tron-local')!;
  adapter = createTronAdapter({ ...local, rpcUrl: peer.fullNodeUrl });
});
afterAll(async () => {
  await peer?.stop();
});

function wallet() {
  const sk = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', sk);
  return { sk, publicKey, address: tronAddressFromPublicKey(publicKey) };
}

let seq = 0;
function intent(from: ReturnType<typeof wallet>, to: string, rawAmount: string, memo?: string): TransferIntent {
  return {
    transferId: `memo-${++seq}`,
    chain: 'tron-local',
    from: { address: from.address, publicKey: from.publicKey },
    to,
    token: TRX,
    rawAmount,
    ...(memo ? { memo } : {}),
  };
}

async function signed(i: TransferIntent, sk: string) {
  const preflight = await adapter.preflight(i);
  const unsigned = await adapter.build(i, preflight, {});
  const tx = adapter.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
  return { preflight, tx };
}

/** Two existing accounts (no account-creation fee), the sender with `sun`. */
async function pair(sun: bigint) {
  const alice = wallet();
  const bob = wallet();
  peer.fund(alice.address, sun);
  peer.fund(bob.address, 1n);
  return { alice, bob };
}

async function chargedFee(txid: string): Promise<bigint> {
  for (;;) {
    peer.produceBlocks(1);
    const res = await fetch(`${peer.fullNodeUrl}/wallet/gettransactioninfobyid`, {
      method: 'POST',
      body: JSON.stringify({ value: txid }),
    });
    const info = (await res.json()) as { blockNumber?: number; fee?: number };
    if (info.blockNumber !== undefined) return BigInt(info.fee ?? 0);
  }
}

describe('TIP-387 memo fee (peer with getMemoFee = 1 TRX)', () => {
  it('a memo transfer: preflight fee and total include 1 TRX, the peer burns exactly that', async () => {
    const { alice, bob } = await pair(5_000_000n);
    const { preflight, tx } = await signed(intent(alice, bob.address, '1000000', 'invoice 42'), alice.sk);
    expect(preflight.errors).toEqual([]);
    expect(preflight.fee).toBe(MEMO_FEE.toString()); // free bandwidth covers the bytes
    expect(preflight.totalSpent).toBe((1_000_000n + MEMO_FEE).toString());
    await adapter.broadcast(tx);
    expect(await chargedFee(tx.hash)).toBe(MEMO_FEE);
    expect(peer.balanceOf(alice.address)).toBe(5_000_000n - 1_000_000n - MEMO_FEE);
  });

  it('without a memo nothing is charged for it', async () => {
    const { alice, bob } = await pair(5_000_000n);
    const { preflight } = await signed(intent(alice, bob.address, '1000000'), alice.sk);
    expect(preflight.fee).toBe('0');
  });

  it('a memo transfer the balance cannot pay the memo fee for: insufficient_funds in preflight, and the peer refuses it', async () => {
    const { alice, bob } = await pair(500_000n); // the amount (0.1 TRX) fits, the 1 TRX memo fee does not
    const { preflight, tx } = await signed(intent(alice, bob.address, '100000', 'too poor for a memo'), alice.sk);
    expect(preflight.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    // Broadcast anyway: the peer enforces the fee (java-tron's "Account Insufficient balance[…] to MemoFee.").
    const err = (await adapter.broadcast(tx).catch((e: unknown) => e)) as BaseError;
    expect(err).toBeInstanceOf(BaseError);
    expect({ id: err.id, kind: err.kind }).toEqual({ id: 'insufficient_funds', kind: 'terminal' });
    expect(err.details).toContain('MemoFee');
    expect(peer.balanceOf(alice.address)).toBe(500_000n);
  });
});

describe("TronGrid's rate limit: HTTP 200 with an { Error } body", () => {
  it('is retryable rpc_failed, and the same call passes once the limit lifts', async () => {
    const { alice, bob } = await pair(5_000_000n);
    const i = intent(alice, bob.address, '1000000');
    peer.rateLimit(1);
    const err = (await adapter.preflight(i).catch((e: unknown) => e)) as BaseError;
    expect(err).toBeInstanceOf(BaseError);
    expect({ id: err.id, kind: err.kind }).toEqual({ id: 'rpc_failed', kind: 'retryable' });
    expect(peer.rateLimited()).toBe(1);
    expect((await adapter.preflight(i)).errors).toEqual([]);
  });
});
