import { beforeEach, describe, expect, it } from 'vitest';
import { modInv, randBelow, toHex } from './bigint.js';
import { MpcErrorId } from './errors.js';
import {
  batchCheckEncryptions,
  FastRandomizer,
  proveRange,
  RANGE_PROOF_ROUNDS,
  type RangeOpening,
  type RangeProof,
  type RangeShift,
  verifyRange,
} from './range-proof.js';
import { q } from './secp.js';
import { testPaillierKey } from './test-keys.js';

const sk = testPaillierKey(0);
const pk = sk.publicKey;
const n = sk.n;
const l = q / 3n;
const ctx = 'session-0123456789abcdef/keygen/range';

function expectBadProof(fn: () => unknown, message?: RegExp) {
  try {
    fn();
  } catch (err) {
    expect((err as { id?: string }).id).toBe(MpcErrorId.BadProof);
    if (message) expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected the range proof to be rejected');
}

const flipHex = (h: string) => (h[0] === 'a' ? 'b' : 'a') + h.slice(1);
const plusOne = (h: string) => toHex(BigInt(`0x${h}`) + 1n);
const isOpening = (a: RangeOpening | RangeShift): a is RangeOpening => 'w1' in a;

describe('Paillier range proof (Lindell 2017 App. A / Boudot 2000 §1.2.2, Fiat–Shamir)', () => {
  // Key generation now blocks for seconds (range proof); yield between tests so vitest's worker RPC is answered.
  beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
  const x = randBelow(l);
  const c = sk.encrypt(x);
  const proof = proveRange(sk, c, x, l, ctx);

  it('the prover’s CRT randomizer equals r^N mod N²', () => {
    const fast = new FastRandomizer(sk);
    for (let i = 0; i < 3; i++) {
      const r = fast.randomUnit();
      expect(fast.randomizer(r)).toBe(pk.randomizer(r));
    }
  });

  it('an honest proof verifies, with both kinds of answers, and at the range edges', () => {
    expect(proof.c1.length).toBe(RANGE_PROOF_ROUNDS);
    expect(proof.answers.some(isOpening) && proof.answers.some((a) => !isOpening(a))).toBe(true);
    verifyRange(n, c, proof, l, ctx);
    for (const edge of [0n, l - 1n]) {
      const ce = sk.encrypt(edge);
      verifyRange(n, ce, proveRange(sk, ce, edge, l, ctx, 24), l, ctx, 24);
    }
  }, 60_000);

  it('the honest prover refuses a plaintext outside [0, l)', () => {
    expect(() => proveRange(sk, sk.encrypt(l), l, l, ctx)).toThrow(/outside the honest range/);
  });

  it('rejects a c_key encrypting q + 5 or 3q (the prover ran the protocol with a larger bound)', () => {
    for (const big of [q + 5n, 3n * q]) {
      const cb = sk.encrypt(big);
      const forged = proveRange(sk, cb, big, 4n * q, ctx, 24);
      expectBadProof(() => verifyRange(n, cb, forged, l, ctx, 24));
      // With the verifier's own bound the honest prover already refuses.
      expect(() => proveRange(sk, cb, big, l, ctx, 24)).toThrow(/outside the honest range/);
    }
  }, 60_000);

  it('rejects a prover that prepares each round for a guessed challenge bit (the simulator strategy)', () => {
    // Without the challenge in advance, a cheating prover for x = q + 5 must guess every bit.
    const rounds = 24;
    const big = q + 5n;
    const cb = sk.encrypt(big);
    const fast = new FastRandomizer(sk);
    const cInv = modInv(cb, pk.n2);
    const forged: RangeProof = { c1: [], c2: [], answers: [] };
    for (let i = 0; i < rounds; i++) {
      const lo = randBelow(l);
      const [r1, r2] = [fast.randomUnit(), fast.randomUnit()];
      if (i % 2 === 0) {
        // Guess e = 0: an honest pair.
        forged.c1.push(toHex(pk.encryptWith(lo, fast.randomizer(r1))));
        forged.c2.push(toHex(pk.encryptWith(lo + l, fast.randomizer(r2))));
        forged.answers.push({ w1: toHex(lo), r1: toHex(r1), w2: toHex(lo + l), r2: toHex(r2) });
      } else {
        // Guess e = 1: c1 = Enc(z; r1)/c, so that c·c1 opens to an in-range z.
        const z = lo + l;
        forged.c1.push(toHex((pk.encryptWith(z, fast.randomizer(r1)) * cInv) % pk.n2));
        forged.c2.push(toHex(pk.encryptWith(lo, fast.randomizer(r2))));
        forged.answers.push({ j: 1, z: toHex(z), r: toHex(r1) });
      }
    }
    expectBadProof(() => verifyRange(n, cb, forged, l, ctx, rounds));
  }, 60_000);

  it('rejects a tampered proof, whatever the field', () => {
    const i0 = proof.answers.findIndex(isOpening);
    const i1 = proof.answers.findIndex((a) => !isOpening(a));
    const edits: ((p: RangeProof) => void)[] = [
      (p) => {
        p.c1[3] = flipHex(p.c1[3] as string);
      },
      (p) => {
        p.c2[RANGE_PROOF_ROUNDS - 1] = plusOne(p.c2[RANGE_PROOF_ROUNDS - 1] as string);
      },
      ...(['w1', 'r1', 'w2', 'r2'] as const).map((f) => (p: RangeProof) => {
        const a = p.answers[i0] as RangeOpening;
        a[f] = plusOne(a[f]);
      }),
      (p) => {
        const a = p.answers[i0] as RangeOpening;
        [a.w1, a.w2, a.r1, a.r2] = [a.w2, a.w1, a.r2, a.r1];
      },
      (p) => {
        const a = p.answers[i1] as RangeShift;
        a.j = a.j === 1 ? 2 : 1;
      },
      (p) => {
        const a = p.answers[i1] as RangeShift;
        a.z = plusOne(a.z);
      },
      (p) => {
        const a = p.answers[i1] as RangeShift;
        a.r = plusOne(a.r);
      },
      (p) => {
        // Answers of the other kind than the challenge asked for.
        [p.answers[i0], p.answers[i1]] = [p.answers[i1] as RangeShift, p.answers[i0] as RangeOpening];
      },
      (p) => {
        p.answers.pop();
      },
      (p) => {
        (p.answers[i1] as RangeShift).z = 'not hex';
      },
    ];
    for (const edit of edits) {
      const tampered = structuredClone(proof);
      edit(tampered);
      expectBadProof(() => verifyRange(n, c, tampered, l, ctx));
    }
    expectBadProof(() => verifyRange(n, c, undefined, l, ctx), /rounds/);
  }, 120_000);

  it('binds the statement: another ciphertext (even of the same x), modulus or context is rejected', () => {
    expectBadProof(() => verifyRange(n, sk.encrypt(x), proof, l, ctx));
    expectBadProof(() => verifyRange(n, c, proof, l, `${ctx}-other`));
    expectBadProof(() => verifyRange(testPaillierKey(1).n, c, proof, l, ctx));
  }, 60_000);

  it('batch check: one wrong claim among many, or a non-unit, fails', () => {
    const fast = new FastRandomizer(sk);
    const claims = Array.from({ length: 6 }, () => {
      const m = randBelow(l);
      const y = fast.randomUnit();
      return { C: pk.encryptWith(m, fast.randomizer(y)), m, y };
    });
    expect(batchCheckEncryptions(n, claims)).toBe(true);
    const off = claims.map((cl, i) => (i === 4 ? { ...cl, m: cl.m + 1n } : cl));
    expect(batchCheckEncryptions(n, off)).toBe(false);
    const wrongRoot = claims.map((cl, i) => (i === 2 ? { ...cl, y: cl.y + 1n } : cl));
    expect(batchCheckEncryptions(n, wrongRoot)).toBe(false);
    const nonUnit = claims.map((cl, i) => (i === 1 ? { ...cl, y: sk.p } : cl));
    expect(batchCheckEncryptions(n, nonUnit)).toBe(false);
  }, 60_000);
});
