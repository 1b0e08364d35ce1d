import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { BaseError } from '../../errors/base.js';
import type { Utxo } from '../types.js';
import { bitcoinjsNetwork, hash160, outputScriptFor, p2wpkhScript } from './address.js';
import { estimateVsize, feeFor } from './fees.js';
import { bitcoinNetwork } from './test-support.js';
import { planWithInputs, type SpendRequest, selectCoins } from './utxo.js';

const net = bitcoinjsNetwork(bitcoinNetwork('bitcoin'));
const ownScript = p2wpkhScript(hash160(Uint8Array.from(Buffer.from(`02${'11'.repeat(32)}`, 'hex'))));
const own = bytesToHex(ownScript);
const toScript = outputScriptFor('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', net);

let n = 0;
function utxo(value: bigint, opts: Partial<Utxo> = {}): Utxo {
  n++;
  return {
    txid: n.toString(16).padStart(64, '0'),
    vout: 0,
    value: value.toString(),
    scriptPubKey: own,
    confirmations: 6,
    ...opts,
  };
}

function req(amount: bigint, satVb = 1): SpendRequest {
  return { amount, toScript, changeScript: ownScript, satPerKvB: BigInt(satVb * 1000) };
}

/** Fees for P2WPKH → P2WPKH at 1 sat/vB: 1 in / 1 out = 110 vB, 1 in / 2 out = 141 vB. */
const FEE_1_1 = 110n;
const FEE_1_2 = 141n;

describe('transaction size estimate', () => {
  it('matches the well-known P2WPKH sizes', () => {
    expect(estimateVsize(1, [31])).toBe(110);
    expect(estimateVsize(1, [31, 31])).toBe(141);
    expect(estimateVsize(2, [31, 31])).toBe(209);
    expect(feeFor(141, 2500n)).toBe(353n); // 352.5 rounded up
  });
});

describe('selectCoins', () => {
  it('spends an exact match with no change', () => {
    const exact = utxo(100_000n + FEE_1_1);
    const plan = selectCoins([utxo(5_000_000n), exact, utxo(60_000n)], req(100_000n));
    expect(plan.inputs).toEqual([exact]);
    expect(plan.change).toBe(0n);
    expect(plan.fee).toBe(FEE_1_1);
  });

  it('accepts a near match when the surplus is less than a change output would cost', () => {
    const near = utxo(100_000n + FEE_1_1 + 50n);
    const plan = selectCoins([utxo(5_000_000n), near], req(100_000n));
    expect(plan.inputs).toEqual([near]);
    expect(plan.change).toBe(0n);
    expect(plan.fee).toBe(FEE_1_1 + 50n);
  });

  it('returns change to the sender when it is above dust', () => {
    const big = utxo(1_000_000n);
    const plan = selectCoins([big], req(100_000n));
    expect(plan.inputs).toEqual([big]);
    expect(plan.fee).toBe(FEE_1_2);
    expect(plan.change).toBe(1_000_000n - 100_000n - FEE_1_2);
    expect(plan.vsize).toBe(141);
  });

  it('drops change below the dust limit (294 sat for P2WPKH) into the fee', () => {
    const inputs = [utxo(100_000n + FEE_1_2 + 293n)];
    const plan = planWithInputs(inputs, req(100_000n));
    expect(plan.change).toBe(0n);
    expect(plan.fee).toBe(FEE_1_2 + 293n);
    // One satoshi more and the change output is worth keeping.
    expect(planWithInputs([utxo(100_000n + FEE_1_2 + 294n)], req(100_000n)).change).toBe(294n);
  });

  it('adds inputs largest first when no exact match exists', () => {
    const a = utxo(400_000n);
    const b = utxo(300_000n);
    const c = utxo(200_000n);
    const plan = selectCoins([c, a, b], req(650_000n));
    expect(plan.inputs).toEqual([a, b]);
    expect(plan.fee).toBe(feeFor(estimateVsize(2, [31, 31]), 1000n));
    expect(plan.change).toBe(700_000n - 650_000n - plan.fee);
  });

  it('finds a multi-input exact match', () => {
    const a = utxo(70_000n);
    const b = utxo(30_000n + feeFor(estimateVsize(2, [31]), 1000n));
    const plan = selectCoins([utxo(500_000n), a, b], req(100_000n));
    expect(new Set(plan.inputs)).toEqual(new Set([a, b]));
    expect(plan.change).toBe(0n);
  });

  it('throws insufficient_funds (terminal) when the outputs cannot pay amount plus fee', () => {
    const err = (() => {
      try {
        selectCoins([utxo(100_000n), utxo(50_000n)], req(150_000n));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(BaseError);
    expect(err).toMatchObject({ id: 'insufficient_funds', kind: 'terminal' });
    expect(() => planWithInputs([utxo(100_000n)], req(100_000n))).toThrow(/insufficient/);
    expect(() => selectCoins([], req(1_000n))).toThrow(/insufficient/);
  });

  it('never spends unconfirmed outputs, foreign outputs or outputs worth less than their fee', () => {
    const unconfirmed = utxo(10_000_000n, { confirmations: 0 });
    const foreign = utxo(10_000_000n, { scriptPubKey: bytesToHex(toScript) });
    const uneconomic = utxo(60n); // costs 68 sat to spend at 1 sat/vB
    expect(() => selectCoins([unconfirmed, foreign, uneconomic], req(1_000n))).toThrow(/insufficient/);
    const ok = utxo(10_000_000n);
    expect(selectCoins([unconfirmed, foreign, uneconomic, ok], req(1_000n)).inputs).toEqual([ok]);
  });

  it('scales the fee with the rate and is deterministic', () => {
    const pool = [utxo(1_000_000n), utxo(2_000_000n), utxo(300_000n)];
    const p1 = selectCoins(pool, req(1_500_000n, 12));
    const p2 = selectCoins([...pool].reverse(), req(1_500_000n, 12));
    expect(p1).toEqual(p2);
    expect(p1.fee).toBe(BigInt(p1.vsize * 12));
  });
});
