/**
 * Two-party ECDSA over secp256k1 after Lindell 2017, "Fast Secure Two-Party ECDSA Signing"
 * (CRYPTO 2017, ePrint 2017/552), Protocols 3.1 (KeyGen) and 3.2 (Sign).
 *
 * P1 holds x1 and the Paillier secret key; P2 holds x2 and c_key = Enc(x1). Q = x1·x2·G.
 * Parties are plain objects that only exchange JSON messages; `protocol.ts` runs them in-process.
 *
 * Signing is split so the message-independent part can be precomputed (presignatures):
 *   nonce exchange (R1 commit → R2 + PoK → R1 open + PoK) then P2 precomputes r^N and c_key^(k2⁻¹·r·x2).
 *   Online: P2 sends c3 = Enc(ρ·q + k2⁻¹·m) ⊕ (precomputed term); P1 decrypts, finishes and verifies.
 * Every pending nonce/presignature is removed from its party's map before use: it can be consumed once.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { bitLength, bytesToBig, fromHex, mod, modInv, randBelow, randNonZeroBelow, toHex } from './bigint.js';
import { check, guard, MpcError, MpcErrorId } from './errors.js';
import { commit, hashToInt, verifyOpening } from './hash.js';
import { type PaillierPrivateKey, PaillierPublicKey } from './paillier.js';
import {
  MAX_PAILLIER_BITS,
  type ModulusProof,
  type PdlChallenge,
  type PdlCommitment,
  type PdlOpening,
  PdlProver,
  type PdlReveal,
  PdlVerifier,
  proveModulus,
  verifyModulus,
} from './paillier-proofs.js';
import { proveRange, RANGE_PROOF_ROUNDS, RangeCommitments, type RangeProof, verifyRange } from './range-proof.js';
import {
  type DlogProof,
  G,
  type Point,
  pointFromHex,
  pointToHex,
  proveDlog,
  q,
  randomScalar,
  verifyDlog,
} from './secp.js';

/**
 * Lindell's KeyGen picks x1 ∈ Z_{q/3}: the range proof (range-proof.ts) is complete for plaintexts in
 * [0, q/3) and shows that c_key decrypts to some x' ≡ x1 with x' ∈ (−q/3, 2q/3) (slack 3), so |x'| < q.
 * Re-sharing keeps x1' below the same bound.
 */
const X1_BOUND = q / 3n;

/**
 * A fresh Paillier key for P1 together with the commitments of the one range proof it will be used for
 * (key generation or re-sharing), computed ahead of time: they depend only on the key and q/3.
 */
export interface PreparedPaillierKey {
  key: PaillierPrivateKey;
  rangeCommitments: RangeCommitments;
}

/** What P1's key generation and re-sharing accept: a bare key (commitments computed inline) or a prepared one. */
export type PaillierKeyInput = PaillierPrivateKey | PreparedPaillierKey;

export function prepareEcdsaPaillierKey(key: PaillierPrivateKey): PreparedPaillierKey {
  return { key, rangeCommitments: RangeCommitments.prepare(key, X1_BOUND) };
}

export function paillierKeyOf(input: PaillierKeyInput): PaillierPrivateKey {
  return 'rangeCommitments' in input ? input.key : input;
}

function rangeCommitmentsOf(input: PaillierKeyInput): RangeCommitments | undefined {
  return 'rangeCommitments' in input ? input.rangeCommitments : undefined;
}

export interface EcdsaP1Share {
  x1: bigint;
  /** Joint public key Q = x1·x2·G. */
  Q: Point;
  Q1: Point;
  paillier: PaillierPrivateKey;
}

export interface EcdsaP2Share {
  x2: bigint;
  Q: Point;
  Q1: Point;
  Q2: Point;
  /** P1's Paillier modulus (verified) and c_key = Enc(x1). */
  n: bigint;
  ckey: bigint;
}

// ---------------------------------------------------------------------------------------------
// Key generation

export interface KeyGenMsg1 {
  sessionId: string;
  q1Commitment: string;
}
export interface KeyGenMsg2 {
  q2: string;
  q2Proof: DlogProof;
}
export interface KeyGenMsg3 {
  q1: string;
  q1Proof: DlogProof;
  blind: string;
  n: string;
  nProof: ModulusProof;
  ckey: string;
  /** c_key encrypts a value in Z_q (Lindell 2017 App. A), verified before anything else uses c_key. */
  ckeyRange: RangeProof;
}

const ctx = (sessionId: string, what: string) => `${sessionId}/${what}`;

function sampleX1(): bigint {
  return randNonZeroBelow(X1_BOUND);
}

export class EcdsaP1KeyGen {
  private readonly x1 = sampleX1();
  private readonly Q1 = G.multiply(this.x1);
  private readonly q1Proof: DlogProof;
  private blind = '';
  private Q: Point | undefined;
  private pdl: PdlProver | undefined;
  private readonly paillier: PaillierPrivateKey;
  private rangeCommitments: RangeCommitments | undefined;

  constructor(
    readonly sessionId: string,
    paillier: PaillierKeyInput,
  ) {
    this.paillier = paillierKeyOf(paillier);
    this.rangeCommitments = rangeCommitmentsOf(paillier);
    this.q1Proof = proveDlog(this.x1, this.Q1, ctx(sessionId, 'keygen/Q1'));
  }

  round1(): KeyGenMsg1 {
    const c = commit('keygen/Q1', this.sessionId, pointToHex(this.Q1), this.q1Proof.t, this.q1Proof.z);
    this.blind = c.blind;
    return { sessionId: this.sessionId, q1Commitment: c.commitment };
  }

  round2(msg: KeyGenMsg2): KeyGenMsg3 {
    const Q2 = pointFromHex(msg?.q2, 'KeyGen Q2');
    verifyDlog(Q2, msg.q2Proof, ctx(this.sessionId, 'keygen/Q2'), 'KeyGen Q2');
    this.Q = Q2.multiply(this.x1);
    const ckey = this.paillier.encrypt(this.x1);
    this.pdl = new PdlProver(this.paillier, this.x1, ctx(this.sessionId, 'keygen/pdl'));
    const prepared = this.rangeCommitments;
    this.rangeCommitments = undefined;
    return {
      q1: pointToHex(this.Q1),
      q1Proof: this.q1Proof,
      blind: this.blind,
      n: toHex(this.paillier.n),
      nProof: proveModulus(this.paillier, ctx(this.sessionId, 'keygen/N')),
      ckey: toHex(ckey),
      ckeyRange: proveRange(
        this.paillier,
        ckey,
        this.x1,
        X1_BOUND,
        ctx(this.sessionId, 'keygen/range'),
        RANGE_PROOF_ROUNDS,
        prepared,
      ),
    };
  }

  pdlCommit(msg: PdlChallenge): PdlCommitment {
    check(this.pdl !== undefined, MpcErrorId.BadMessage, 'KeyGen: PDL before round 2');
    return this.pdl.commit(msg);
  }

  /** Last P1 step: opens the PDL commitment and returns P1's share. */
  pdlOpen(msg: PdlReveal): { opening: PdlOpening; share: EcdsaP1Share } {
    check(this.pdl !== undefined && this.Q !== undefined, MpcErrorId.BadMessage, 'KeyGen: out of order');
    const opening = this.pdl.open(msg);
    return { opening, share: { x1: this.x1, Q: this.Q, Q1: this.Q1, paillier: this.paillier } };
  }
}

export class EcdsaP2KeyGen {
  private readonly x2 = randomScalar();
  private readonly Q2 = G.multiply(this.x2);
  private sessionId = '';
  private q1Commitment = '';
  private pdl: PdlVerifier | undefined;
  private pending: EcdsaP2Share | undefined;

  round1(msg: KeyGenMsg1): KeyGenMsg2 {
    check(
      typeof msg?.sessionId === 'string' && msg.sessionId.length >= 16 && msg.sessionId.length <= 128,
      MpcErrorId.BadMessage,
      'KeyGen: bad session id',
    );
    check(typeof msg.q1Commitment === 'string', MpcErrorId.BadMessage, 'KeyGen: missing Q1 commitment');
    this.sessionId = msg.sessionId;
    this.q1Commitment = msg.q1Commitment;
    return { q2: pointToHex(this.Q2), q2Proof: proveDlog(this.x2, this.Q2, ctx(this.sessionId, 'keygen/Q2')) };
  }

  round2(msg: KeyGenMsg3): PdlChallenge {
    check(this.sessionId !== '', MpcErrorId.BadMessage, 'KeyGen: round 2 before round 1');
    verifyOpening(
      this.q1Commitment,
      msg?.blind,
      'keygen/Q1',
      this.sessionId,
      String(msg?.q1),
      String(msg?.q1Proof?.t),
      String(msg?.q1Proof?.z),
    );
    const Q1 = pointFromHex(msg.q1, 'KeyGen Q1');
    verifyDlog(Q1, msg.q1Proof, ctx(this.sessionId, 'keygen/Q1'), 'KeyGen Q1');
    const n = guard(MpcErrorId.BadPaillierKey, 'KeyGen N', () => fromHex(msg.n, 'N', MAX_PAILLIER_BITS));
    verifyModulus(n, msg.nProof, ctx(this.sessionId, 'keygen/N'));
    const pk = new PaillierPublicKey(n);
    const ckey = guard(MpcErrorId.BadMessage, 'KeyGen c_key', () => fromHex(msg.ckey, 'ckey', 2 * bitLength(n)));
    check(pk.isCiphertext(ckey), MpcErrorId.BadMessage, 'KeyGen: c_key is not a Paillier ciphertext');
    verifyRange(n, ckey, msg.ckeyRange, X1_BOUND, ctx(this.sessionId, 'keygen/range'));
    this.pdl = new PdlVerifier(pk, ckey, Q1, ctx(this.sessionId, 'keygen/pdl'));
    this.pending = { x2: this.x2, Q: Q1.multiply(this.x2), Q1, Q2: this.Q2, n, ckey };
    return this.pdl.start();
  }

  pdlReveal(msg: PdlCommitment): PdlReveal {
    check(this.pdl !== undefined, MpcErrorId.BadMessage, 'KeyGen: out of order');
    return this.pdl.reveal(msg);
  }

  /** Last step: P2 accepts c_key only if the PDL proof verifies. */
  pdlFinish(msg: PdlOpening): EcdsaP2Share {
    check(this.pdl !== undefined && this.pending !== undefined, MpcErrorId.BadMessage, 'KeyGen: out of order');
    this.pdl.finish(msg);
    return this.pending;
  }
}

// ---------------------------------------------------------------------------------------------
// Re-sharing (backup / recovery): x1' = x1·δ, x2' = x2·δ⁻¹ with δ from a coin toss, and a NEW Paillier key.
// The fresh Paillier key is essential: P1 never uses x1 when signing (it only decrypts), so an old P2
// share (x2, Enc_N(x1)) would keep working with P1 for as long as P1 keeps the same Paillier key.

export interface ReshareMsg1 {
  sessionId: string;
  deltaCommitment: string;
}
export interface ReshareMsg2 {
  delta2: string;
}
export interface ReshareMsg3 {
  delta1: string;
  blind: string;
  /** Index of the derived δ that keeps x1' below q/3 (see deriveDelta). */
  j: number;
  q1: string;
  q1Proof: DlogProof;
  ckey: string;
  /** P1's fresh Paillier modulus and its well-formedness proof. */
  n: string;
  nProof: ModulusProof;
  /** c_key' encrypts a value in Z_q (Lindell 2017 App. A). */
  ckeyRange: RangeProof;
}

const MAX_DELTA_INDEX = 64;

function deriveDelta(sessionId: string, delta1: bigint, delta2: bigint, j: number): bigint {
  const d = hashToInt(q, 'reshare/delta', sessionId, delta1, delta2, j);
  return d === 0n ? 1n : d;
}

export class EcdsaP1Reshare {
  private readonly delta1 = randomScalar();
  private blind = '';
  private pdl: PdlProver | undefined;
  private next: EcdsaP1Share | undefined;
  private readonly newPaillier: PaillierPrivateKey;
  private rangeCommitments: RangeCommitments | undefined;

  constructor(
    readonly sessionId: string,
    private readonly share: EcdsaP1Share,
    newPaillier: PaillierKeyInput,
  ) {
    this.newPaillier = paillierKeyOf(newPaillier);
    this.rangeCommitments = rangeCommitmentsOf(newPaillier);
    if (this.newPaillier.n === share.paillier.n) throw new Error('Reshare needs a fresh Paillier key');
  }

  round1(): ReshareMsg1 {
    const c = commit('reshare/delta', this.sessionId, this.delta1);
    this.blind = c.blind;
    return { sessionId: this.sessionId, deltaCommitment: c.commitment };
  }

  round2(msg: ReshareMsg2): ReshareMsg3 {
    const delta2 = guard(MpcErrorId.BadMessage, 'Reshare δ2', () => fromHex(msg?.delta2, 'delta2', 256));
    check(delta2 > 0n && delta2 < q, MpcErrorId.BadMessage, 'Reshare: δ2 out of range');
    let j = 0;
    let x1 = 0n;
    for (; j < MAX_DELTA_INDEX; j++) {
      x1 = mod(this.share.x1 * deriveDelta(this.sessionId, this.delta1, delta2, j), q);
      if (x1 > 0n && x1 < X1_BOUND) break;
    }
    if (j === MAX_DELTA_INDEX) throw new MpcError(MpcErrorId.BadMessage, 'Reshare: no usable δ (retry)');
    const paillier = this.newPaillier;
    const Q1 = G.multiply(x1);
    const ckey = paillier.encrypt(x1);
    this.pdl = new PdlProver(paillier, x1, ctx(this.sessionId, 'reshare/pdl'));
    this.next = { x1, Q: this.share.Q, Q1, paillier };
    const prepared = this.rangeCommitments;
    this.rangeCommitments = undefined;
    return {
      delta1: toHex(this.delta1),
      blind: this.blind,
      j,
      q1: pointToHex(Q1),
      q1Proof: proveDlog(x1, Q1, ctx(this.sessionId, 'reshare/Q1')),
      ckey: toHex(ckey),
      n: toHex(paillier.n),
      nProof: proveModulus(paillier, ctx(this.sessionId, 'reshare/N')),
      ckeyRange: proveRange(
        paillier,
        ckey,
        x1,
        X1_BOUND,
        ctx(this.sessionId, 'reshare/range'),
        RANGE_PROOF_ROUNDS,
        prepared,
      ),
    };
  }

  pdlCommit(msg: PdlChallenge): PdlCommitment {
    check(this.pdl !== undefined, MpcErrorId.BadMessage, 'Reshare: PDL before round 2');
    return this.pdl.commit(msg);
  }

  pdlOpen(msg: PdlReveal): { opening: PdlOpening; share: EcdsaP1Share } {
    check(this.pdl !== undefined && this.next !== undefined, MpcErrorId.BadMessage, 'Reshare: out of order');
    return { opening: this.pdl.open(msg), share: this.next };
  }
}

export class EcdsaP2Reshare {
  private readonly delta2 = randomScalar();
  private sessionId = '';
  private deltaCommitment = '';
  private pdl: PdlVerifier | undefined;
  private next: EcdsaP2Share | undefined;

  constructor(private readonly share: EcdsaP2Share) {}

  round1(msg: ReshareMsg1): ReshareMsg2 {
    check(
      typeof msg?.sessionId === 'string' && msg.sessionId.length >= 16 && msg.sessionId.length <= 128,
      MpcErrorId.BadMessage,
      'Reshare: bad session id',
    );
    check(typeof msg.deltaCommitment === 'string', MpcErrorId.BadMessage, 'Reshare: missing δ1 commitment');
    this.sessionId = msg.sessionId;
    this.deltaCommitment = msg.deltaCommitment;
    return { delta2: toHex(this.delta2) };
  }

  round2(msg: ReshareMsg3): PdlChallenge {
    check(this.sessionId !== '', MpcErrorId.BadMessage, 'Reshare: out of order');
    const delta1 = guard(MpcErrorId.BadMessage, 'Reshare δ1', () => fromHex(msg?.delta1, 'delta1', 256));
    verifyOpening(this.deltaCommitment, msg.blind, 'reshare/delta', this.sessionId, delta1);
    check(
      Number.isSafeInteger(msg.j) && msg.j >= 0 && msg.j < MAX_DELTA_INDEX,
      MpcErrorId.BadMessage,
      'Reshare: bad δ index',
    );
    const delta = deriveDelta(this.sessionId, delta1, this.delta2, msg.j);
    const Q1 = pointFromHex(msg.q1, 'Reshare Q1');
    verifyDlog(Q1, msg.q1Proof, ctx(this.sessionId, 'reshare/Q1'), 'Reshare Q1');
    if (!Q1.equals(this.share.Q1.multiply(delta)))
      throw new MpcError(MpcErrorId.BadProof, 'Reshare: new Q1 is not δ·Q1 (the public key would change)');
    const n = guard(MpcErrorId.BadPaillierKey, 'Reshare N', () => fromHex(msg.n, 'N', MAX_PAILLIER_BITS));
    check(n !== this.share.n, MpcErrorId.BadPaillierKey, 'Reshare: P1 must switch to a fresh Paillier key');
    verifyModulus(n, msg.nProof, ctx(this.sessionId, 'reshare/N'));
    const pk = new PaillierPublicKey(n);
    const ckey = guard(MpcErrorId.BadMessage, 'Reshare c_key', () => fromHex(msg.ckey, 'ckey', 2 * bitLength(n)));
    check(pk.isCiphertext(ckey), MpcErrorId.BadMessage, 'Reshare: c_key is not a Paillier ciphertext');
    verifyRange(n, ckey, msg.ckeyRange, X1_BOUND, ctx(this.sessionId, 'reshare/range'));
    const deltaInv = modInv(delta, q);
    const x2 = mod(this.share.x2 * deltaInv, q);
    this.next = { x2, Q: this.share.Q, Q1, Q2: this.share.Q2.multiply(deltaInv), n, ckey };
    this.pdl = new PdlVerifier(pk, ckey, Q1, ctx(this.sessionId, 'reshare/pdl'));
    return this.pdl.start();
  }

  pdlReveal(msg: PdlCommitment): PdlReveal {
    check(this.pdl !== undefined, MpcErrorId.BadMessage, 'Reshare: out of order');
    return this.pdl.reveal(msg);
  }

  pdlFinish(msg: PdlOpening): EcdsaP2Share {
    check(this.pdl !== undefined && this.next !== undefined, MpcErrorId.BadMessage, 'Reshare: out of order');
    this.pdl.finish(msg);
    return this.next;
  }
}

// ---------------------------------------------------------------------------------------------
// Signing

export interface NonceMsg1 {
  sessionId: string;
  r1Commitment: string;
}
export interface NonceMsg2 {
  sessionId: string;
  r2: string;
  r2Proof: DlogProof;
}
export interface NonceMsg3 {
  sessionId: string;
  r1: string;
  r1Proof: DlogProof;
  blind: string;
}
export interface PartialSignature {
  sessionId: string;
  c3: string;
}
export interface EcdsaSignatureParts {
  r: bigint;
  s: bigint;
  recovery: number;
}

/** A completed P1 presignature half, moved between threads (hex). */
export interface P1PresignatureJson {
  sessionId: string;
  k1: string;
  R: string;
  r: string;
}

/** A completed P2 presignature half: k2⁻¹, ρ and the message-independent part of c3 (hex). */
export interface P2PresignatureJson {
  sessionId: string;
  r: string;
  kInv: string;
  rho: string;
  fixed: string;
}

interface P1Pending {
  k1: bigint;
  R1: Point;
  r1Proof: DlogProof;
  blind: string;
  /** Set once the nonce exchange is complete. */
  R?: Point;
  r?: bigint;
}

interface P2Pending {
  k2: bigint;
  r1Commitment: string;
  /** Set once the nonce exchange is complete (the presignature is ready). */
  r?: bigint;
  kInv?: bigint;
  rho?: bigint;
  /** r^N · c_key^(k2⁻¹·r·x2) mod N² — everything in c3 that does not depend on the message. */
  fixed?: bigint;
}

/** Digest (32 bytes) → integer mod q, as ECDSA with prehash: false (bits2int_modN). */
export function digestToScalar(digest: Uint8Array): bigint {
  if (digest.length !== 32) throw new MpcError(MpcErrorId.BadMessage, 'secp256k1 payload must be a 32-byte digest');
  return mod(bytesToBig(digest), q);
}

const xCoord = (R: Point): bigint => R.toAffine().x;

/** P1: holds x1 and the Paillier secret; decrypts c3, finishes and verifies the signature. */
export class EcdsaP1 {
  private readonly sessions = new Map<string, P1Pending>();

  constructor(readonly share: EcdsaP1Share) {}

  nonceCommit(sessionId: string): NonceMsg1 {
    check(!this.sessions.has(sessionId), MpcErrorId.BadMessage, 'Sign: session id already used');
    const k1 = randomScalar();
    const R1 = G.multiply(k1);
    const r1Proof = proveDlog(k1, R1, ctx(sessionId, 'sign/R1'));
    const c = commit('sign/R1', sessionId, pointToHex(R1), r1Proof.t, r1Proof.z);
    this.sessions.set(sessionId, { k1, R1, r1Proof, blind: c.blind });
    return { sessionId, r1Commitment: c.commitment };
  }

  nonceOpen(msg: NonceMsg2): NonceMsg3 {
    const pending = this.sessions.get(msg?.sessionId);
    check(
      pending !== undefined && pending.R === undefined,
      MpcErrorId.BadMessage,
      'Sign: unknown or completed session',
    );
    const R2 = pointFromHex(msg.r2, 'Sign R2');
    verifyDlog(R2, msg.r2Proof, ctx(msg.sessionId, 'sign/R2'), 'Sign R2');
    const R = R2.multiply(pending.k1);
    pending.R = R;
    pending.r = mod(xCoord(R), q);
    check(pending.r !== 0n, MpcErrorId.BadMessage, 'Sign: r = 0');
    return { sessionId: msg.sessionId, r1: pointToHex(pending.R1), r1Proof: pending.r1Proof, blind: pending.blind };
  }

  /** True while a completed nonce exchange (presignature half) is waiting for its one use. */
  hasPresignature(sessionId: string): boolean {
    return this.sessions.get(sessionId)?.R !== undefined;
  }

  /** Consumes the session (whatever happens next it cannot be used again), decrypts c3 and finishes. */
  finish(msg: PartialSignature, digest: Uint8Array): EcdsaSignatureParts {
    const pending = this.sessions.get(msg?.sessionId);
    this.sessions.delete(msg?.sessionId);
    if (!pending || pending.R === undefined || pending.r === undefined)
      throw new MpcError(MpcErrorId.PresignatureUnavailable, 'Sign: presignature already consumed or unknown');
    digestToScalar(digest); // validates the digest length before anything is decrypted
    const pk = this.share.paillier.publicKey;
    const c3 = guard(MpcErrorId.BadMessage, 'Sign c3', () => fromHex(msg?.c3, 'c3', bitLength(pk.n2)));
    check(pk.isCiphertext(c3), MpcErrorId.BadMessage, 'Sign: c3 is not a Paillier ciphertext');
    const sPrime = mod(this.share.paillier.decrypt(c3), q);
    let s = mod(modInv(pending.k1, q) * sPrime, q);
    let recovery = pending.R.toAffine().y & 1n ? 1 : 0;
    if (xCoord(pending.R) >= q) throw new MpcError(MpcErrorId.BadMessage, 'Sign: R.x ≥ q (retry with a new nonce)');
    if (s > q >> 1n) {
      s = q - s;
      recovery ^= 1;
    }
    const parts = { r: pending.r, s, recovery };
    if (!verifyEcdsa(parts, digest, this.share.Q))
      throw new MpcError(MpcErrorId.BadProof, 'Sign: the combined signature does not verify (bad partial signature)');
    return parts;
  }

  /**
   * Moves a completed presignature half out (to another thread): it is removed from this party first, so
   * exactly one copy stays usable. Secret (k1): only for the compute pool's postMessage.
   */
  exportPresignature(sessionId: string): P1PresignatureJson {
    const pending = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    if (!pending || pending.R === undefined || pending.r === undefined)
      throw new MpcError(MpcErrorId.PresignatureUnavailable, 'Sign: presignature already consumed or unknown');
    return { sessionId, k1: toHex(pending.k1), R: pointToHex(pending.R), r: toHex(pending.r) };
  }

  /** Takes over a presignature half made elsewhere (same share); a known session id is refused. */
  importPresignature(v: P1PresignatureJson): void {
    check(!this.sessions.has(v?.sessionId), MpcErrorId.BadMessage, 'Sign: session id already used');
    const R = pointFromHex(v.R, 'Sign R');
    const r = fromHex(v.r, 'r');
    check(r !== 0n && r === mod(xCoord(R), q), MpcErrorId.BadMessage, 'Sign: imported presignature is inconsistent');
    // The nonce-exchange fields (R1, its proof and blind) are not needed once R is known.
    this.sessions.set(v.sessionId, { k1: fromHex(v.k1, 'k1'), R1: R, r1Proof: { t: '', z: '' }, blind: '', R, r });
  }

  /** Drops every pending session (presignatures) — used when the share is replaced. */
  clear(): void {
    this.sessions.clear();
  }
}

/** P2: holds x2 and c_key; computes the homomorphic partial signature c3. */
export class EcdsaP2 {
  private readonly sessions = new Map<string, P2Pending>();
  private readonly pk: PaillierPublicKey;

  constructor(readonly share: EcdsaP2Share) {
    this.pk = new PaillierPublicKey(share.n);
  }

  nonceRespond(msg: NonceMsg1): NonceMsg2 {
    check(
      typeof msg?.sessionId === 'string' && msg.sessionId.length >= 16 && msg.sessionId.length <= 128,
      MpcErrorId.BadMessage,
      'Sign: bad session id',
    );
    check(!this.sessions.has(msg.sessionId), MpcErrorId.BadMessage, 'Sign: session id already used');
    check(typeof msg.r1Commitment === 'string', MpcErrorId.BadMessage, 'Sign: missing R1 commitment');
    const k2 = randomScalar();
    const R2 = G.multiply(k2);
    this.sessions.set(msg.sessionId, { k2, r1Commitment: msg.r1Commitment });
    return { sessionId: msg.sessionId, r2: pointToHex(R2), r2Proof: proveDlog(k2, R2, ctx(msg.sessionId, 'sign/R2')) };
  }

  /** Verifies P1's opening and precomputes every message-independent part of c3. */
  nonceFinish(msg: NonceMsg3): void {
    const pending = this.sessions.get(msg?.sessionId);
    check(
      pending !== undefined && pending.r === undefined,
      MpcErrorId.BadMessage,
      'Sign: unknown or completed session',
    );
    try {
      verifyOpening(
        pending.r1Commitment,
        msg.blind,
        'sign/R1',
        msg.sessionId,
        String(msg.r1),
        String(msg.r1Proof?.t),
        String(msg.r1Proof?.z),
      );
      const R1 = pointFromHex(msg.r1, 'Sign R1');
      verifyDlog(R1, msg.r1Proof, ctx(msg.sessionId, 'sign/R1'), 'Sign R1');
      const r = mod(xCoord(R1.multiply(pending.k2)), q);
      check(r !== 0n, MpcErrorId.BadMessage, 'Sign: r = 0');
      const kInv = modInv(pending.k2, q);
      const v = mod(kInv * r * this.share.x2, q);
      pending.r = r;
      pending.kInv = kInv;
      pending.rho = randBelow(q * q);
      pending.fixed = this.pk.add(this.pk.randomizer(), this.pk.mulConst(this.share.ckey, v));
    } catch (err) {
      this.sessions.delete(msg.sessionId);
      throw err;
    }
  }

  /** Online step: consumes the presignature and returns c3 = Enc(ρ·q + k2⁻¹·m) ⊕ c_key^(k2⁻¹·r·x2). */
  partialSign(sessionId: string, digest: Uint8Array): PartialSignature {
    const pending = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    if (!pending || pending.fixed === undefined || pending.kInv === undefined || pending.rho === undefined)
      throw new MpcError(MpcErrorId.PresignatureUnavailable, 'Sign: presignature already consumed or unknown');
    const m = digestToScalar(digest);
    const plain = pending.rho * q + mod(pending.kInv * m, q);
    // Enc(plain) ⊕ fixed = (1 + plain·N) · r^N · c_key^v mod N².
    const c3 = ((1n + plain * this.pk.n) * pending.fixed) % this.pk.n2;
    return { sessionId, c3: toHex(c3) };
  }

  /** As `EcdsaP1.exportPresignature`: removed here first. Secret (k2⁻¹, ρ): only for postMessage. */
  exportPresignature(sessionId: string): P2PresignatureJson {
    const pending = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    if (
      !pending ||
      pending.r === undefined ||
      pending.fixed === undefined ||
      pending.kInv === undefined ||
      pending.rho === undefined
    )
      throw new MpcError(MpcErrorId.PresignatureUnavailable, 'Sign: presignature already consumed or unknown');
    return {
      sessionId,
      r: toHex(pending.r),
      kInv: toHex(pending.kInv),
      rho: toHex(pending.rho),
      fixed: toHex(pending.fixed),
    };
  }

  importPresignature(v: P2PresignatureJson): void {
    check(!this.sessions.has(v?.sessionId), MpcErrorId.BadMessage, 'Sign: session id already used');
    const fixed = fromHex(v.fixed, 'fixed');
    check(this.pk.isCiphertext(fixed), MpcErrorId.BadMessage, 'Sign: imported presignature is inconsistent');
    // k2 itself is not needed once k2⁻¹ and the precomputation exist.
    this.sessions.set(v.sessionId, {
      k2: 0n,
      r1Commitment: '',
      r: fromHex(v.r, 'r'),
      kInv: fromHex(v.kInv, 'kInv'),
      rho: fromHex(v.rho, 'rho'),
      fixed,
    });
  }

  hasPresignature(sessionId: string): boolean {
    return this.sessions.get(sessionId)?.fixed !== undefined;
  }

  clear(): void {
    this.sessions.clear();
  }
}

export function verifyEcdsa(sig: EcdsaSignatureParts, digest: Uint8Array, Q: Point): boolean {
  try {
    const bytes = compactSignature(sig);
    return secp256k1.verify(bytes, digest, Q.toBytes(true), { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

export function compactSignature(sig: EcdsaSignatureParts): Uint8Array {
  return hexToBytes(sig.r.toString(16).padStart(64, '0') + sig.s.toString(16).padStart(64, '0'));
}

export function signatureHex(sig: EcdsaSignatureParts): string {
  return bytesToHex(compactSignature(sig));
}
