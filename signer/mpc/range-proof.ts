/**
 * Zero-knowledge range proof for a Paillier plaintext, as Lindell 2017 (ePrint 2017/552, Appendix A,
 * "Range Proof") uses for c_key in KeyGen; the proof is Boudot's (Eurocrypt 2000, §1.2.2) protocol with
 * slack 3. Same construction as bron-crypto's `pkg/proofs/paillier/paillierrange` and ZenGo's
 * zk-paillier `RangeProof`.
 *
 * Statement: c = Enc_N(x; r). Honest prover: x ∈ [0, l) (Lindell: l = q/3). Proven: x ≡ x' (mod N) for an
 * integer x' ∈ (−l, 2l) — with l = q/3 that is |x'| < q, so c_key cannot hide x1 + j·q.
 *
 * Each of t rounds: P picks w_lo ← [0, l), w_hi = w_lo + l, puts them in random order (w1, w2) and sends
 * c1 = Enc(w1; r1), c2 = Enc(w2; r2). Challenge bit e:
 *   e = 0 → P opens both: (w1, r1, w2, r2); V checks the encryptions and that one w is in [0, l), the other in [l, 2l).
 *   e = 1 → P picks the j with x + w_j ∈ [l, 2l) (exactly one exists) and sends (j, z = x + w_j, r·r_j mod N);
 *           V checks c·c_j = Enc(z; r·r_j) and z ∈ [l, 2l).
 * A round answered both ways gives x ≡ z − w_j with z − w_j ∈ (−l, 2l); an out-of-range x survives a round with
 * probability ≤ 1/2. z is uniform on [l, 2l) whatever x is, so the responses reveal nothing about x.
 *
 * Non-interactive by Fiat–Shamir: e = H(context, N, c, l, t, every c1_i, c2_i). Against a prover who grinds the
 * hash, soundness is 2^−t per hash evaluation, hence t = 128 (the interactive protocol in the paper uses 40).
 * The context carries the session id and the protocol step, so a proof cannot be replayed for another
 * ciphertext, modulus or session.
 *
 * Costs. Prover: 2t encryptions, with a CRT shortcut only the key owner can take (`FastRandomizer`). They are
 * the commitments, which need only the key: `RangeCommitments.prepare` makes them ahead of time (single use).
 * Verifier: the 1.5·t (on average) encryption checks are batched (see `batchCheckEncryptions`), so the
 * verifier pays BATCHES (11) exponentiations by N mod N², not ~190.
 *
 * Precondition for soundness: N must already have passed `verifyModulus` (gcd(N, φ(N)) = 1 and no prime
 * factor below 6370) — the batch verification argument depends on it.
 */
import { randomBytes } from 'node:crypto';
import { bitLength, fromHex, gcd, mod, modInv, modPow, randBelow, toHex } from './bigint.js';
import { MpcError, MpcErrorId } from './errors.js';
import { hashToInt } from './hash.js';
import type { PaillierPrivateKey } from './paillier.js';

/** Parallel repetitions: soundness error 2^−t against a Fiat–Shamir grinding prover. */
export const RANGE_PROOF_ROUNDS = 128;

/** Both plaintexts of a round, with their encryption randomness (the e = 0 answer). */
export interface RangeOpening {
  w1: string;
  r1: string;
  w2: string;
  r2: string;
}
/** The e = 1 answer: which ciphertext was added to c, the sum z = x + w_j, and r·r_j mod N. */
export interface RangeShift {
  j: 1 | 2;
  z: string;
  r: string;
}
export interface RangeProof {
  c1: string[];
  c2: string[];
  /** One answer per round, its shape given by the challenge bit. */
  answers: (RangeOpening | RangeShift)[];
}

function challenge(n: bigint, c: bigint, l: bigint, context: string, c1: bigint[], c2: bigint[]): bigint {
  const t = c1.length;
  return hashToInt(1n << BigInt(t), 'paillier/range', context, n, c, l, t, ...c1, ...c2);
}

const bit = (e: bigint, i: number): boolean => ((e >> BigInt(i)) & 1n) === 1n;

/**
 * r^N mod N² for the key owner, exactly equal to `PaillierPublicKey.randomizer(r)`, about 1.5× faster than the
 * CRT path in paillier.ts: modulo p², r^N = (r^q)^p and s^p mod p² only depends on s mod p, so
 * r^N ≡ (r^(q mod p−1) mod p)^p (mod p²): two 1024-bit exponents instead of one 2048-bit one.
 */
export class FastRandomizer {
  private readonly n2: bigint;
  private readonly p2: bigint;
  private readonly q2: bigint;
  private readonly eP: bigint;
  private readonly eQ: bigint;
  private readonly q2InvP2: bigint;

  constructor(private readonly sk: PaillierPrivateKey) {
    const { p, q } = sk;
    this.n2 = sk.n * sk.n;
    this.p2 = p * p;
    this.q2 = q * q;
    this.eP = q % (p - 1n);
    this.eQ = p % (q - 1n);
    this.q2InvP2 = modInv(this.q2, this.p2);
  }

  /** A uniform unit of Z*_N (the prover knows p and q, so no gcd is needed). */
  randomUnit(): bigint {
    for (;;) {
      const r = randBelow(this.sk.n);
      if (r % this.sk.p !== 0n && r % this.sk.q !== 0n) return r;
    }
  }

  randomizer(r: bigint): bigint {
    const { p, q } = this.sk;
    const xp = modPow(modPow(r % p, this.eP, p), p, this.p2);
    const xq = modPow(modPow(r % q, this.eQ, q), q, this.q2);
    return (xq + this.q2 * mod((xp - xq) * this.q2InvP2, this.p2)) % this.n2;
  }
}

interface CommitmentRounds {
  /** Per round, the plaintext pair {w, w + l} in random order, their randomness, and the two ciphertexts. */
  ws: [bigint, bigint][];
  rs: [bigint, bigint][];
  c1: bigint[];
  c2: bigint[];
}

/** The first message of the proof: per round c1 = Enc(w1; r1), c2 = Enc(w2; r2). Needs only the key, not x. */
function commitRounds(sk: PaillierPrivateKey, l: bigint, rounds: number): CommitmentRounds {
  const pk = sk.publicKey;
  const fast = new FastRandomizer(sk);
  const out: CommitmentRounds = { ws: [], rs: [], c1: [], c2: [] };
  const swaps = randomBytes(Math.ceil(rounds / 8));
  for (let i = 0; i < rounds; i++) {
    const lo = randBelow(l);
    const pair: [bigint, bigint] = ((swaps[i >> 3] ?? 0) >> (i & 7)) & 1 ? [lo + l, lo] : [lo, lo + l];
    const rr: [bigint, bigint] = [fast.randomUnit(), fast.randomUnit()];
    out.ws.push(pair);
    out.rs.push(rr);
    out.c1.push(pk.encryptWith(pair[0], fast.randomizer(rr[0])));
    out.c2.push(pk.encryptWith(pair[1], fast.randomizer(rr[1])));
  }
  return out;
}

/** `RangeCommitments` as hex JSON, to move them to another thread. As secret as the Paillier key. */
export interface RangeCommitmentsJson {
  n: string;
  l: string;
  ws: [string, string][];
  rs: [string, string][];
  c1: string[];
  c2: string[];
}

/**
 * The commitments of ONE future range proof, computed ahead of time (they depend on the Paillier key and l,
 * not on the plaintext, and the Fiat–Shamir challenge is only computed once the statement c is known).
 * Single use: `take()` deletes them before handing them out and refuses a second call, and `move()` (the
 * serialised form for another thread) spends this object too. Reusing a round's (w, r) for two proofs would
 * reveal x = z − w_j whenever the two challenges differ in that round.
 */
export class RangeCommitments {
  private rounds: CommitmentRounds | undefined;

  private constructor(
    readonly n: bigint,
    readonly l: bigint,
    rounds: CommitmentRounds,
  ) {
    this.rounds = rounds;
  }

  /** 2·rounds encryptions: the bulk of the prover's cost. */
  static prepare(sk: PaillierPrivateKey, l: bigint, rounds: number = RANGE_PROOF_ROUNDS): RangeCommitments {
    return new RangeCommitments(sk.n, l, commitRounds(sk, l, rounds));
  }

  get spent(): boolean {
    return this.rounds === undefined;
  }

  get count(): number {
    return this.rounds?.c1.length ?? 0;
  }

  /** Hands the commitments out once; they are gone from this object before the caller uses them. */
  take(): CommitmentRounds {
    const rounds = this.rounds;
    this.rounds = undefined;
    if (!rounds) throw new Error('range proof: these precomputed commitments were already used');
    return rounds;
  }

  /** Serialises for another thread and spends this object (there is only ever one usable copy). */
  move(): RangeCommitmentsJson {
    const { ws, rs, c1, c2 } = this.take();
    const pair = (v: [bigint, bigint]): [string, string] => [toHex(v[0]), toHex(v[1])];
    return {
      n: toHex(this.n),
      l: toHex(this.l),
      ws: ws.map(pair),
      rs: rs.map(pair),
      c1: c1.map(toHex),
      c2: c2.map(toHex),
    };
  }

  static fromJson(v: RangeCommitmentsJson): RangeCommitments {
    const pair = (p: [string, string], what: string): [bigint, bigint] => [fromHex(p[0], what), fromHex(p[1], what)];
    const rounds: CommitmentRounds = {
      ws: v.ws.map((p) => pair(p, 'w')),
      rs: v.rs.map((p) => pair(p, 'r')),
      c1: v.c1.map((h) => fromHex(h, 'c1')),
      c2: v.c2.map((h) => fromHex(h, 'c2')),
    };
    const t = rounds.c1.length;
    if (rounds.ws.length !== t || rounds.rs.length !== t || rounds.c2.length !== t)
      throw new Error('range proof: malformed precomputed commitments');
    return new RangeCommitments(fromHex(v.n, 'n'), fromHex(v.l, 'l'), rounds);
  }
}

/**
 * P's side. `c` must be an encryption of `x` under `sk` (any randomness: the prover recovers it as the
 * N-th root of c mod N), and x must lie in [0, l). `prepared`: commitments made ahead for this key, l and
 * number of rounds (`RangeCommitments.prepare`); consumed here, whatever happens. Without it they are
 * computed now. The proof is the same either way.
 */
export function proveRange(
  sk: PaillierPrivateKey,
  c: bigint,
  x: bigint,
  l: bigint,
  context: string,
  rounds: number = RANGE_PROOF_ROUNDS,
  prepared?: RangeCommitments,
): RangeProof {
  const pre = prepared?.take();
  if (prepared && (prepared.n !== sk.n || prepared.l !== l || pre?.c1.length !== rounds))
    throw new Error('range proof: the precomputed commitments are for another key, range or round count');
  if (x < 0n || x >= l) throw new Error('range proof: the plaintext is outside the honest range');
  const n = sk.n;
  // c = (1 + xN)·r^N ≡ r^N (mod N), and N-th roots mod N are unique when gcd(N, φ(N)) = 1.
  const r = sk.nthRoot(c % n);
  const { ws, rs, c1, c2 } = pre ?? commitRounds(sk, l, rounds);
  const e = challenge(n, c, l, context, c1, c2);
  const answers = ws.map(([w1, w2], i): RangeOpening | RangeShift => {
    const [r1, r2] = rs[i] as [bigint, bigint];
    if (!bit(e, i)) return { w1: toHex(w1), r1: toHex(r1), w2: toHex(w2), r2: toHex(r2) };
    const j = x + w1 >= l && x + w1 < 2n * l ? 1 : 2;
    const z = x + (j === 1 ? w1 : w2);
    return { j, z: toHex(z), r: toHex((r * (j === 1 ? r1 : r2)) % n) };
  });
  return { c1: c1.map(toHex), c2: c2.map(toHex), answers };
}

const bad = (why: string) => new MpcError(MpcErrorId.BadProof, `Range proof for c_key does not verify: ${why}`);

function parse(v: unknown, what: string, below: bigint): bigint {
  let x: bigint;
  try {
    x = fromHex(v, what, bitLength(below));
  } catch {
    throw bad(`${what} is not a hex integer`);
  }
  if (x >= below) throw bad(`${what} out of range`);
  return x;
}

/** One claimed encryption: C = Enc(m; y), i.e. C = (1 + m·N)·y^N mod N². */
export interface EncryptionClaim {
  C: bigint;
  m: bigint;
  y: bigint;
}

/**
 * V's side: throws `mpc_bad_proof` unless `proof` shows that c encrypts a value ≡ x' (mod N) with
 * x' ∈ (−l, 2l). N must have passed `verifyModulus` first.
 */
export function verifyRange(
  n: bigint,
  c: bigint,
  proof: RangeProof | undefined,
  l: bigint,
  context: string,
  rounds: number = RANGE_PROOF_ROUNDS,
): void {
  const n2 = n * n;
  if (!(c > 0n && c < n2) || gcd(c % n, n) !== 1n) throw bad('c is not a ciphertext');
  if (2n * l >= n) throw bad('the range does not fit in Z_N');
  if (
    !proof ||
    !Array.isArray(proof.c1) ||
    !Array.isArray(proof.c2) ||
    !Array.isArray(proof.answers) ||
    proof.c1.length !== rounds ||
    proof.c2.length !== rounds ||
    proof.answers.length !== rounds
  )
    throw bad(`missing or not ${rounds} rounds`);
  const c1 = proof.c1.map((h, i) => parse(h, `c1[${i}]`, n2));
  const c2 = proof.c2.map((h, i) => parse(h, `c2[${i}]`, n2));
  const e = challenge(n, c, l, context, c1, c2);
  const inLow = (w: bigint) => w < l;
  const inHigh = (w: bigint) => w >= l && w < 2n * l;
  const claims: EncryptionClaim[] = [];
  for (let i = 0; i < rounds; i++) {
    const a = proof.answers[i] as Partial<RangeOpening & RangeShift> | undefined;
    if (typeof a !== 'object' || a === null) throw bad(`answer ${i} missing`);
    const ci1 = c1[i] as bigint;
    const ci2 = c2[i] as bigint;
    if (!bit(e, i)) {
      const w1 = parse(a.w1, `w1[${i}]`, n);
      const w2 = parse(a.w2, `w2[${i}]`, n);
      if (!((inLow(w1) && inHigh(w2)) || (inLow(w2) && inHigh(w1)))) throw bad(`round ${i}: openings out of range`);
      claims.push({ C: ci1, m: w1, y: parse(a.r1, `r1[${i}]`, n) }, { C: ci2, m: w2, y: parse(a.r2, `r2[${i}]`, n) });
    } else {
      if (a.j !== 1 && a.j !== 2) throw bad(`round ${i}: j must be 1 or 2`);
      const z = parse(a.z, `z[${i}]`, n);
      if (!inHigh(z)) throw bad(`round ${i}: z out of range`);
      claims.push({ C: (c * (a.j === 1 ? ci1 : ci2)) % n2, m: z, y: parse(a.r, `r[${i}]`, n) });
    }
  }
  if (!batchCheckEncryptions(n, claims)) throw bad('an encryption does not match its opening');
}

/** Independent batches; each lets a wrong claim through with probability ≤ 1/6373 + 2^−16 < 2^−12.4. */
const BATCHES = 11;
const LAMBDA_BITS = 16;
const WINDOW = 4;

/**
 * Checks C_i = (1 + m_i·N)·y_i^N mod N² for every claim, with the small-exponents batch test
 * (Bellare–Garay–Rabin 1998): for random λ_i < 2^16, Π C_i^λ_i = (1 + Σλ_i·m_i·N)·(Π y_i^λ_i mod N)^N.
 *
 * Why it is sound here (the group Z*_{N²} has composite order, so this needs an argument): when
 * gcd(N, φ(N)) = 1, every unit is Enc(μ; ρ) for a unique μ ∈ Z_N, so C_i = Enc(μ_i; ρ_i) and the batch equation
 * implies Σ λ_i·(μ_i − m_i) ≡ 0 (mod N). If some μ_i ≠ m_i, pick a prime p' | N with μ_i ≢ m_i (mod p'); for
 * fixed other λ's at most ⌈2^16/p'⌉ of the 2^16 values of λ_i pass. verifyModulus guarantees p' > 6370, so each
 * batch errs with probability < 2^−12.4 and 11 independent batches with < 2^−136. Units are required (checked
 * through one gcd on the product), since the Paillier bijection only covers Z*_{N²}.
 * Cost: 11 exponentiations by N mod N², plus ~1.5t·(14 + 11·4) multiplications for the windowed multi-exponents.
 */
export function batchCheckEncryptions(n: bigint, claims: EncryptionClaim[]): boolean {
  const n2 = n * n;
  let prodC = 1n;
  let prodY = 1n;
  for (const { C, y } of claims) {
    prodC = (prodC * (C % n)) % n;
    prodY = (prodY * y) % n;
  }
  if (gcd(prodC, n) !== 1n || gcd(prodY, n) !== 1n) return false;
  const table = (b: bigint, m: bigint) => {
    const t = [1n, b];
    for (let k = 2; k < 1 << WINDOW; k++) t.push(((t[k - 1] as bigint) * b) % m);
    return t;
  };
  const tablesC = claims.map(({ C }) => table(C, n2));
  const tablesY = claims.map(({ y }) => table(y, n));
  const windows = LAMBDA_BITS / WINDOW;
  const mask = (1 << WINDOW) - 1;
  for (let b = 0; b < BATCHES; b++) {
    const bytes = randomBytes(2 * claims.length);
    const lambdas = claims.map((_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
    let accC = 1n;
    let accY = 1n;
    for (let w = windows - 1; w >= 0; w--) {
      for (let s = 0; s < WINDOW; s++) {
        accC = (accC * accC) % n2;
        accY = (accY * accY) % n;
      }
      for (let i = 0; i < claims.length; i++) {
        const d = ((lambdas[i] as number) >> (w * WINDOW)) & mask;
        if (d === 0) continue;
        accC = (accC * ((tablesC[i] as bigint[])[d] as bigint)) % n2;
        accY = (accY * ((tablesY[i] as bigint[])[d] as bigint)) % n;
      }
    }
    let m = 0n;
    for (let i = 0; i < claims.length; i++) m += BigInt(lambdas[i] as number) * (claims[i] as EncryptionClaim).m;
    const rhs = ((1n + mod(m, n) * n) * modPow(accY, n, n2)) % n2;
    if (rhs !== accC) return false;
  }
  return true;
}
