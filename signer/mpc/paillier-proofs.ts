/**
 * Zero-knowledge proofs about P1's Paillier key, as Lindell 2017 requires:
 *
 * - `proveModulus` / `verifyModulus`: non-interactive proof that gcd(N, φ(N)) = 1, i.e. that the
 *   Paillier modulus is well formed (Goldberg–Reyzin–Sagga–Baldimtsi, "Efficient Noninteractive
 *   Certification of RSA Moduli", as used by ZenGo's NiCorrectKeyProof): the prover gives N-th roots
 *   of M hashed challenges; a modulus with gcd(N, φ(N)) ≠ 1 has N-th roots for at most a 1/α share of
 *   Z*_N, where α bounds N's smallest prime factor (checked by trial division). M = 11, α = 6370
 *   gives soundness error < 2^-128. Also enforces |N| ≥ 2048 bits.
 * - `PdlProver` / `PdlVerifier`: Lindell §6 interactive proof that c_key encrypts the discrete log of Q1
 *   (the "PDL" proof): V sends c' = a ⊙ c_key ⊕ Enc(b) with a commitment to (a, b); P decrypts to α,
 *   commits to α·G; V opens (a, b); P checks α = a·x1 + b and opens; V checks α·G = a·Q1 + b·G.
 *
 * The range proof that c_key encrypts a value in range lives in range-proof.ts.
 */
import { bitLength, fromHex, gcd, mod, modPow, randBelow, randNonZeroBelow, toHex } from './bigint.js';
import { check, guard, MpcError, MpcErrorId } from './errors.js';
import { commit, hashToInt, verifyOpening } from './hash.js';
import type { PaillierPrivateKey, PaillierPublicKey } from './paillier.js';
import { G, type Point, pointFromHex, pointToHex, q } from './secp.js';

export const MIN_PAILLIER_BITS = 2048;
/** Upper bound on a peer's modulus: refused before any arithmetic (a 16k-bit N costs seconds per exponentiation). */
export const MAX_PAILLIER_BITS = 4096;
const MODULUS_PROOF_ROUNDS = 11;
const SMALL_PRIME_BOUND = 6370;

let primorial: bigint | undefined;
/** Product of all primes below SMALL_PRIME_BOUND. */
function smallPrimorial(): bigint {
  if (primorial !== undefined) return primorial;
  const sieve = new Uint8Array(SMALL_PRIME_BOUND);
  let prod = 1n;
  for (let i = 2; i < SMALL_PRIME_BOUND; i++) {
    if (sieve[i]) continue;
    prod *= BigInt(i);
    for (let j = i * i; j < SMALL_PRIME_BOUND; j += i) sieve[j] = 1;
  }
  primorial = prod;
  return prod;
}

export interface ModulusProof {
  sigmas: string[];
}

function modulusChallenge(n: bigint, context: string, i: number): bigint {
  return hashToInt(n, 'paillier/modulus', context, n, i);
}

export function proveModulus(sk: PaillierPrivateKey, context: string): ModulusProof {
  const n = sk.n;
  const sigmas: string[] = [];
  for (let i = 0; i < MODULUS_PROOF_ROUNDS; i++) {
    const rho = modulusChallenge(n, context, i);
    if (gcd(rho, n) !== 1n) throw new Error('modulus proof: challenge not a unit (negligible event)');
    sigmas.push(toHex(sk.nthRoot(rho)));
  }
  return { sigmas };
}

/** Throws `mpc_bad_paillier_key` unless N is long enough and the proof shows gcd(N, φ(N)) = 1. */
export function verifyModulus(n: bigint, proof: ModulusProof | undefined, context: string): void {
  const bad = (why: string) => new MpcError(MpcErrorId.BadPaillierKey, `Paillier modulus rejected: ${why}`);
  if (bitLength(n) < MIN_PAILLIER_BITS) throw bad(`N has ${bitLength(n)} bits, at least ${MIN_PAILLIER_BITS} required`);
  if (bitLength(n) > MAX_PAILLIER_BITS) throw bad(`N has ${bitLength(n)} bits, at most ${MAX_PAILLIER_BITS} allowed`);
  if (n % 2n === 0n || gcd(n, smallPrimorial()) !== 1n) throw bad(`N has a prime factor below ${SMALL_PRIME_BOUND}`);
  if (!proof || !Array.isArray(proof.sigmas) || proof.sigmas.length !== MODULUS_PROOF_ROUNDS)
    throw bad('well-formedness proof missing or of the wrong length');
  for (let i = 0; i < MODULUS_PROOF_ROUNDS; i++) {
    const sigma = guard(MpcErrorId.BadPaillierKey, 'Paillier modulus rejected', () =>
      fromHex(proof.sigmas[i], 'sigma', bitLength(n)),
    );
    if (sigma <= 0n || sigma >= n) throw bad('proof element out of range');
    if (modPow(sigma, n, n) !== modulusChallenge(n, context, i)) throw bad('gcd(N, φ(N)) = 1 proof does not verify');
  }
}

// ---------------------------------------------------------------------------------------------
// PDL: c_key encrypts the discrete log of Q1 (Lindell 2017 §6).

export interface PdlChallenge {
  cPrime: string;
  /** Commitment to (a, b). */
  abCommitment: string;
}
export interface PdlCommitment {
  /** Commitment to Q̂ = α·G. */
  qHatCommitment: string;
}
export interface PdlReveal {
  a: string;
  b: string;
  blind: string;
}
export interface PdlOpening {
  qHat: string;
  blind: string;
}

/** The verifier side (P2): knows N, c_key and Q1. */
export class PdlVerifier {
  private a = 0n;
  private b = 0n;
  private abBlind = '';
  private qPrime: Point | undefined;
  private qHatCommitment: string | undefined;

  constructor(
    private readonly pk: PaillierPublicKey,
    private readonly ckey: bigint,
    private readonly Q1: Point,
    private readonly context: string,
  ) {}

  start(): PdlChallenge {
    this.a = randNonZeroBelow(q);
    this.b = randBelow(q * q);
    // c' = Enc(a·x1 + b) computed homomorphically from c_key.
    const cPrime = this.pk.add(this.pk.mulConst(this.ckey, this.a), this.pk.encrypt(this.b));
    this.qPrime = this.Q1.multiply(this.a).add(G.multiplyUnsafe(mod(this.b, q)));
    const c = commit('pdl/ab', this.context, this.a, this.b);
    this.abBlind = c.blind;
    return { cPrime: toHex(cPrime), abCommitment: c.commitment };
  }

  reveal(msg: PdlCommitment): PdlReveal {
    check(this.qPrime !== undefined, MpcErrorId.BadMessage, 'PDL: reveal before start');
    check(typeof msg?.qHatCommitment === 'string', MpcErrorId.BadMessage, 'PDL: missing commitment to Q̂');
    this.qHatCommitment = msg.qHatCommitment;
    return { a: toHex(this.a), b: toHex(this.b), blind: this.abBlind };
  }

  finish(msg: PdlOpening): void {
    check(this.qHatCommitment !== undefined && this.qPrime !== undefined, MpcErrorId.BadMessage, 'PDL: out of order');
    verifyOpening(this.qHatCommitment, msg?.blind, 'pdl/qhat', this.context, String(msg?.qHat));
    const qHat = pointFromHex(msg.qHat, 'PDL Q̂');
    if (!qHat.equals(this.qPrime))
      throw new MpcError(
        MpcErrorId.BadProof,
        'PDL proof does not verify: c_key does not encrypt the discrete log of Q1',
      );
  }
}

/** The prover side (P1): knows the Paillier secret and x1. */
export class PdlProver {
  private alpha = 0n;
  private cPrime = 0n;
  private abCommitment = '';
  private qHat: Point | undefined;
  private qHatBlind = '';

  constructor(
    private readonly sk: PaillierPrivateKey,
    private readonly x1: bigint,
    private readonly context: string,
  ) {}

  commit(msg: PdlChallenge): PdlCommitment {
    this.cPrime = guard(MpcErrorId.BadMessage, 'PDL challenge', () =>
      fromHex(msg?.cPrime, 'cPrime', 2 * this.sk.publicKey.bitLength),
    );
    check(this.sk.publicKey.isCiphertext(this.cPrime), MpcErrorId.BadMessage, 'PDL: c′ is not a ciphertext');
    check(typeof msg.abCommitment === 'string', MpcErrorId.BadMessage, 'PDL: missing commitment to (a, b)');
    this.abCommitment = msg.abCommitment;
    this.alpha = this.sk.decrypt(this.cPrime);
    const alphaQ = mod(this.alpha, q);
    check(alphaQ !== 0n, MpcErrorId.BadMessage, 'PDL: degenerate challenge');
    this.qHat = G.multiply(alphaQ);
    const c = commit('pdl/qhat', this.context, pointToHex(this.qHat));
    this.qHatBlind = c.blind;
    return { qHatCommitment: c.commitment };
  }

  open(msg: PdlReveal): PdlOpening {
    check(this.qHat !== undefined, MpcErrorId.BadMessage, 'PDL: open before commit');
    const a = guard(MpcErrorId.BadMessage, 'PDL reveal', () => fromHex(msg?.a, 'a', 256));
    const b = guard(MpcErrorId.BadMessage, 'PDL reveal', () => fromHex(msg?.b, 'b', 512));
    verifyOpening(this.abCommitment, msg.blind, 'pdl/ab', this.context, a, b);
    // The verifier must have built c′ honestly, otherwise α could leak information about x1.
    if (a >= q || b >= q * q || this.alpha !== a * this.x1 + b)
      throw new MpcError(MpcErrorId.BadProof, 'PDL: the verifier’s challenge c′ is inconsistent with (a, b)');
    return { qHat: pointToHex(this.qHat), blind: this.qHatBlind };
  }
}
