import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randBelow } from './bigint.js';
import { EcdsaP1, EcdsaP2, prepareEcdsaPaillierKey, verifyEcdsa } from './ecdsa2p.js';
import { runEcdsaKeyGen, runEcdsaReshare, runEcdsaSign } from './protocol.js';
import { proveRange, RangeCommitments, verifyRange } from './range-proof.js';
import { q } from './secp.js';
import { testPaillierKey } from './test-keys.js';

const sk = testPaillierKey(0);
const l = q / 3n;
const ctx = 'session-0123456789abcdef/keygen/range';
const ROUNDS = 24;

describe('range proof with precomputed commitments (one proof per set)', () => {
  it('a proof from precomputed commitments verifies with the unchanged verifier', () => {
    const prepared = RangeCommitments.prepare(sk, l, ROUNDS);
    expect(prepared.count).toBe(ROUNDS);
    const x = randBelow(l);
    const c = sk.encrypt(x);
    const proof = proveRange(sk, c, x, l, ctx, ROUNDS, prepared);
    verifyRange(sk.n, c, proof, l, ctx, ROUNDS);
    expect(prepared.spent).toBe(true);
  }, 60_000);

  it('a second use is refused, also after a failed first use and after move()', () => {
    const prepared = RangeCommitments.prepare(sk, l, ROUNDS);
    const x = randBelow(l);
    const c = sk.encrypt(x);
    proveRange(sk, c, x, l, ctx, ROUNDS, prepared);
    expect(() => proveRange(sk, c, x, l, ctx, ROUNDS, prepared)).toThrow(/already used/);
    expect(() => prepared.move()).toThrow(/already used/);

    // A refused first use (plaintext out of range) still burns them.
    const burnt = RangeCommitments.prepare(sk, l, ROUNDS);
    expect(() => proveRange(sk, sk.encrypt(l), l, l, ctx, ROUNDS, burnt)).toThrow(/outside the honest range/);
    expect(() => proveRange(sk, c, x, l, ctx, ROUNDS, burnt)).toThrow(/already used/);

    // move() leaves one usable copy: the moved one.
    const moving = RangeCommitments.prepare(sk, l, ROUNDS);
    const copy = RangeCommitments.fromJson(moving.move());
    expect(moving.spent).toBe(true);
    expect(() => proveRange(sk, c, x, l, ctx, ROUNDS, moving)).toThrow(/already used/);
    verifyRange(sk.n, c, proveRange(sk, c, x, l, ctx, ROUNDS, copy), l, ctx, ROUNDS);
  }, 60_000);

  it('commitments for another key, range or round count are refused (and burnt)', () => {
    const x = randBelow(l);
    const c = sk.encrypt(x);
    const otherKey = RangeCommitments.prepare(testPaillierKey(1), l, ROUNDS);
    expect(() => proveRange(sk, c, x, l, ctx, ROUNDS, otherKey)).toThrow(/another key/);
    expect(otherKey.spent).toBe(true);
    expect(() => proveRange(sk, c, x, l, ctx, ROUNDS, RangeCommitments.prepare(sk, l - 1n, ROUNDS))).toThrow(
      /another key/,
    );
    expect(() => proveRange(sk, c, x, l, ctx, ROUNDS + 1, RangeCommitments.prepare(sk, l, ROUNDS))).toThrow(
      /another key/,
    );
  }, 60_000);

  it('key generation and re-sharing with a prepared Paillier key: valid keys, commitments spent, no reuse', () => {
    const prepared = prepareEcdsaPaillierKey(testPaillierKey(2));
    const pair = runEcdsaKeyGen(prepared); // P2 verifies the range proof inside
    expect(prepared.rangeCommitments.spent).toBe(true);
    const digest = randomBytes(32);
    expect(verifyEcdsa(runEcdsaSign(new EcdsaP1(pair.p1), new EcdsaP2(pair.p2), digest), digest, pair.p1.Q)).toBe(true);
    expect(() => runEcdsaKeyGen(prepared)).toThrow(/already used/);

    const fresh = prepareEcdsaPaillierKey(testPaillierKey(3));
    const next = runEcdsaReshare(pair.p1, pair.p2, fresh);
    expect(fresh.rangeCommitments.spent).toBe(true);
    expect(next.p1.Q.equals(pair.p1.Q)).toBe(true);
    expect(verifyEcdsa(runEcdsaSign(new EcdsaP1(next.p1), new EcdsaP2(next.p2), digest), digest, next.p1.Q)).toBe(true);
  }, 120_000);
});
