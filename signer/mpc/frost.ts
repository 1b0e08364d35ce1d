/**
 * Ed25519 2-of-2 threshold signing: FROST (RFC 9591, FROST-ED25519-SHA512-v1) from @noble/curves,
 * with noble's split-round DKG (Pedersen DKG with proofs of knowledge, as in frost-rs).
 *
 * Parties are plain objects exchanging JSON messages (hex bytes). The server is identifier 1,
 * the client identifier 2. Signing nonces live in the signer's map until used and are removed
 * before signShare runs (noble also zeroes them), so a nonce can never sign twice.
 * Output signatures are standard RFC 8032 Ed25519 signatures.
 */
import { createFROST } from '@noble/curves/abstract/frost.js';
import { ed25519, type ed25519_FROST } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { fromHex, toHex } from './bigint.js';
import { check, guard, MpcError, MpcErrorId } from './errors.js';
import { commit, hashToInt, verifyOpening } from './hash.js';

type Frost = typeof ed25519_FROST;
type DkgSecret = ReturnType<Frost['DKG']['round1']>['secret'];
type Nonces = ReturnType<Frost['commit']>['nonces'];
export type FrostPublic = ReturnType<Frost['DKG']['round3']>['public'];

/**
 * The same ciphersuite as noble's `ed25519_FROST` (name, point, hash, undecorated H2), built without its
 * `validatePoint` hook. That hook only repeats what createFROST already does to every point it decodes
 * (on-curve, non-identity, prime-order subgroup: RFC 9591 §3.1 DeserializeElement), so with it each decode
 * ran the ≈0.8 ms torsion check twice — about half the cost of a signing round. Every check is still made
 * once per decode; frost.test.ts checks that both suites agree and that small-order components are refused.
 */
const F: Frost = createFROST({ name: 'FROST-ED25519-SHA512-v1', Point: ed25519.Point, hash: sha512, H2: '' });
const Fn = F.utils.Fn;
const EdPoint = ed25519.Point;
const SIGNERS = { min: 2, max: 2 };

export type FrostRole = 'server' | 'client';
export const FROST_IDS: Record<FrostRole, string> = {
  server: F.Identifier.fromNumber(1),
  client: F.Identifier.fromNumber(2),
};
const peerOf = (role: FrostRole): FrostRole => (role === 'server' ? 'client' : 'server');

export interface FrostShare {
  identifier: string;
  signingShare: Uint8Array;
  public: FrostPublic;
}

export interface FrostRound1Msg {
  identifier: string;
  commitment: string[];
  proofOfKnowledge: string;
}
export interface FrostRound2Msg {
  identifier: string;
  signingShare: string;
}
export interface FrostCommitmentMsg {
  identifier: string;
  hiding: string;
  binding: string;
}

/** Encoded sizes (RFC 9591 FROST(Ed25519, SHA-512)): elements and scalars are 32 bytes, a PoK 64. */
const ELEMENT = 32;
const SCALAR = 32;

/** Exactly `bytes` bytes of hex from an untrusted message (checked before decoding). */
const hex = (s: unknown, what: string, bytes: number): Uint8Array => {
  if (typeof s !== 'string' || s.length !== 2 * bytes || !/^[0-9a-f]*$/i.test(s))
    throw new Error(`${what}: expected ${bytes} bytes of hex`);
  return hexToBytes(s);
};

const identifier = (v: unknown): string => {
  if (v !== FROST_IDS.server && v !== FROST_IDS.client) throw new Error('unknown identifier');
  return v;
};

function decodeRound1(m: FrostRound1Msg) {
  return guard(MpcErrorId.BadMessage, 'FROST DKG round 1 message', () => {
    if (!Array.isArray(m?.commitment) || m.commitment.length !== SIGNERS.min) throw new Error('commitment length');
    return {
      identifier: identifier(m.identifier),
      commitment: (m.commitment as unknown[]).map((c) => hex(c, 'commitment', ELEMENT)),
      proofOfKnowledge: hex(m.proofOfKnowledge, 'proofOfKnowledge', ELEMENT + SCALAR),
    };
  });
}

function decodeCommitment(m: FrostCommitmentMsg) {
  return guard(MpcErrorId.BadMessage, 'FROST nonce commitment', () => ({
    identifier: identifier(m?.identifier),
    hiding: hex(m.hiding, 'hiding', ELEMENT),
    binding: hex(m.binding, 'binding', ELEMENT),
  }));
}

/** One party's side of the distributed key generation. */
export class FrostDkgParty {
  private readonly secret: DkgSecret;
  private readonly publicR1: FrostRound1Msg;
  private peerR1: ReturnType<typeof decodeRound1> | undefined;

  constructor(readonly role: FrostRole) {
    const r1 = F.DKG.round1(FROST_IDS[role], SIGNERS);
    this.secret = r1.secret;
    this.publicR1 = {
      identifier: r1.public.identifier,
      commitment: r1.public.commitment.map((c) => bytesToHex(c)),
      proofOfKnowledge: bytesToHex(r1.public.proofOfKnowledge),
    };
  }

  round1(): FrostRound1Msg {
    return this.publicR1;
  }

  /** Verifies the peer's proof of knowledge and returns the peer's secret share of our polynomial. */
  round2(peer: FrostRound1Msg): FrostRound2Msg {
    const decoded = decodeRound1(peer);
    check(
      decoded.identifier === FROST_IDS[peerOf(this.role)],
      MpcErrorId.BadMessage,
      'FROST DKG: unexpected peer identifier',
    );
    const out = guard(MpcErrorId.BadProof, 'FROST DKG round 1 proof of knowledge rejected', () =>
      F.DKG.round2(this.secret, [decoded]),
    );
    this.peerR1 = decoded;
    const pkg = out[decoded.identifier];
    if (!pkg) throw new MpcError(MpcErrorId.BadMessage, 'FROST DKG: no package for peer');
    return { identifier: pkg.identifier, signingShare: bytesToHex(pkg.signingShare) };
  }

  /** Checks the peer's share against its commitments (VSS) and returns this party's key share. */
  round3(peer: FrostRound2Msg): FrostShare {
    check(this.peerR1 !== undefined, MpcErrorId.BadMessage, 'FROST DKG: round 3 before round 2');
    const r2 = guard(MpcErrorId.BadMessage, 'FROST DKG round 2 message', () => ({
      identifier: identifier(peer?.identifier),
      signingShare: hex(peer.signingShare, 'signingShare', SCALAR),
    }));
    const key = guard(MpcErrorId.BadProof, 'FROST DKG: peer share does not match its commitments', () =>
      F.DKG.round3(this.secret, [this.peerR1!], [r2]),
    );
    F.DKG.clean(this.secret);
    return { identifier: key.secret.identifier, signingShare: key.secret.signingShare, public: key.public };
  }
}

/** The group public key (32 bytes, RFC 8032 encoding). */
export function frostPublicKey(pub: FrostPublic): Uint8Array {
  const pk = pub.commitments[0];
  if (!pk) throw new MpcError(MpcErrorId.BadMessage, 'FROST: empty commitments');
  return pk;
}

/**
 * A signing party: commit → signShare, each nonce pair used at most once. `commit` needs no message, so
 * it may run ahead of time (RFC 9591 §5.1 preprocessing): the nonces then wait in this object's map until
 * one `signShare` consumes them, or `clear` drops them all.
 */
export class FrostSigner {
  private readonly nonces = new Map<string, Nonces>();
  private readonly usedSessions = new Set<string>();

  constructor(readonly share: FrostShare) {}

  /** Nonce pairs committed to and not yet used. */
  get pending(): number {
    return this.nonces.size;
  }

  commit(sessionId: string): FrostCommitmentMsg {
    check(!this.usedSessions.has(sessionId), MpcErrorId.BadMessage, 'FROST: session id already used');
    this.usedSessions.add(sessionId);
    const { nonces, commitments } = F.commit({
      identifier: this.share.identifier,
      signingShare: this.share.signingShare,
    });
    this.nonces.set(sessionId, nonces);
    return {
      identifier: commitments.identifier,
      hiding: bytesToHex(commitments.hiding),
      binding: bytesToHex(commitments.binding),
    };
  }

  signShare(sessionId: string, commitments: FrostCommitmentMsg[], msg: Uint8Array): string {
    const nonces = this.nonces.get(sessionId);
    this.nonces.delete(sessionId);
    if (!nonces)
      throw new MpcError(MpcErrorId.PresignatureUnavailable, 'FROST: nonces already used or unknown session');
    try {
      check(
        Array.isArray(commitments) && commitments.length === SIGNERS.min,
        MpcErrorId.BadMessage,
        'FROST: expected one nonce commitment per signer',
      );
      const list = commitments.map(decodeCommitment);
      const share = guard(MpcErrorId.BadMessage, 'FROST signShare', () =>
        F.signShare(
          { identifier: this.share.identifier, signingShare: this.share.signingShare },
          this.share.public,
          nonces,
          list,
          msg,
        ),
      );
      return bytesToHex(share);
    } finally {
      // noble zeroes the nonces only when signShare succeeds; a refused request burns them too.
      zeroNonces(nonces);
    }
  }

  /** Drops one unused nonce pair (its session can never sign). */
  forget(sessionId: string): void {
    const n = this.nonces.get(sessionId);
    if (n) zeroNonces(n);
    this.nonces.delete(sessionId);
  }

  /** Drops every unused nonce pair (share replaced or signer closed); their sessions can never sign. */
  clear(): void {
    for (const n of this.nonces.values()) zeroNonces(n);
    this.nonces.clear();
  }
}

function zeroNonces(n: Nonces): void {
  n.hiding.fill(0);
  n.binding.fill(0);
}

/**
 * Coordinator: aggregates the signature shares and verifies the result against the group public key,
 * twice: noble's `aggregate` checks the group equation z·G = R + c·Y (cofactored) and refuses to return
 * otherwise, then `ed25519.verify` (strict RFC 8032, not ZIP-215) checks the encoded signature as a chain
 * will. Individual shares are not verified up front (RFC 9591 §5.4 makes that optional: it only serves to
 * name a cheater): when the aggregate fails, noble verifies each share to find who sent a bad one, and the
 * error names that participant.
 */
export function frostAggregate(
  pub: FrostPublic,
  commitments: FrostCommitmentMsg[],
  msg: Uint8Array,
  shares: Record<string, string>,
): Uint8Array {
  check(
    Array.isArray(commitments) && commitments.length === SIGNERS.min,
    MpcErrorId.BadMessage,
    'FROST: expected one nonce commitment per signer',
  );
  const list = commitments.map(decodeCommitment);
  const decoded: Record<string, Uint8Array> = {};
  for (const [id, s] of Object.entries(shares))
    decoded[guard(MpcErrorId.BadMessage, 'FROST signature share', () => identifier(id))] = guard(
      MpcErrorId.BadMessage,
      'FROST signature share',
      () => hex(s, 'share', SCALAR),
    );
  let sig: Uint8Array;
  try {
    sig = F.aggregate(pub, list, msg, decoded);
  } catch (err) {
    const cheaters = (err as { cheaters?: unknown }).cheaters;
    if (Array.isArray(cheaters) && cheaters.length > 0) {
      const who = cheaters.map((id) => (id === FROST_IDS.server ? 'server' : id === FROST_IDS.client ? 'client' : id));
      throw new MpcError(
        MpcErrorId.BadProof,
        `FROST: signature share of participant ${who.join(', ')} does not verify`,
      );
    }
    throw new MpcError(MpcErrorId.BadProof, `FROST aggregate: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!ed25519.verify(sig, msg, frostPublicKey(pub), { zip215: false }))
    throw new MpcError(MpcErrorId.BadProof, 'FROST: aggregated signature does not verify');
  return sig;
}

// ---------------------------------------------------------------------------------------------
// Re-sharing (backup / recovery). Proactive refresh with a zero-constant polynomial g(x) = δ·x:
// share_i' = share_i + δ·i, so λ1·s1' + λ2·s2' = λ1·s1 + λ2·s2 (the group key is unchanged) while the
// old and new shares do not combine. δ = H(δ1, δ2) from a commit-then-open coin toss.

export interface FrostReshareMsg1 {
  sessionId: string;
  deltaCommitment: string;
}
export interface FrostReshareMsg2 {
  delta2: string;
}
export interface FrostReshareMsg3 {
  delta1: string;
  blind: string;
}

function randomEdScalar(): bigint {
  return Fn.fromBytes(F.utils.randomScalar());
}

function deriveFrostDelta(sessionId: string, d1: bigint, d2: bigint): bigint {
  const d = hashToInt(Fn.ORDER, 'frost/reshare/delta', sessionId, d1, d2);
  return d === 0n ? 1n : d;
}

/** Applies the refresh polynomial δ·x to a share and to the public commitments; validates the result. */
export function refreshFrostShare(share: FrostShare, delta: bigint): FrostShare {
  const shift = (id: string) => Fn.mul(delta, Fn.fromBytes(hexToBytes(id)));
  const own = Fn.add(Fn.fromBytes(share.signingShare), shift(share.identifier));
  const [c0, c1] = share.public.commitments;
  if (!c0 || !c1) throw new MpcError(MpcErrorId.BadMessage, 'FROST: unexpected commitment length');
  const DG = EdPoint.BASE.multiply(delta);
  const verifyingShares: Record<string, Uint8Array> = {};
  for (const [id, vs] of Object.entries(share.public.verifyingShares))
    verifyingShares[id] = EdPoint.fromBytes(vs)
      .add(EdPoint.BASE.multiply(shift(id)))
      .toBytes();
  const next: FrostShare = {
    identifier: share.identifier,
    signingShare: Fn.toBytes(own),
    public: {
      signers: { ...share.public.signers },
      commitments: [c0, EdPoint.fromBytes(c1).add(DG).toBytes()],
      verifyingShares,
    } as FrostPublic,
  };
  guard(MpcErrorId.BadProof, 'FROST refresh produced an inconsistent share', () =>
    F.validateSecret({ identifier: next.identifier, signingShare: next.signingShare }, next.public),
  );
  return next;
}

export class FrostReshareLeader {
  private readonly delta1 = randomEdScalar();
  private blind = '';

  constructor(
    readonly sessionId: string,
    private readonly share: FrostShare,
  ) {}

  round1(): FrostReshareMsg1 {
    const c = commit('frost/reshare', this.sessionId, this.delta1);
    this.blind = c.blind;
    return { sessionId: this.sessionId, deltaCommitment: c.commitment };
  }

  round2(msg: FrostReshareMsg2): { msg: FrostReshareMsg3; share: FrostShare } {
    const d2 = guard(MpcErrorId.BadMessage, 'FROST reshare δ2', () => fromHex(msg?.delta2, 'delta2', 256));
    check(d2 > 0n && d2 < Fn.ORDER, MpcErrorId.BadMessage, 'FROST reshare: δ2 out of range');
    const delta = deriveFrostDelta(this.sessionId, this.delta1, d2);
    return { msg: { delta1: toHex(this.delta1), blind: this.blind }, share: refreshFrostShare(this.share, delta) };
  }
}

export class FrostReshareFollower {
  private readonly delta2 = randomEdScalar();
  private sessionId = '';
  private commitment = '';

  constructor(private readonly share: FrostShare) {}

  round1(msg: FrostReshareMsg1): FrostReshareMsg2 {
    check(
      typeof msg?.sessionId === 'string' && msg.sessionId.length >= 16 && msg.sessionId.length <= 128,
      MpcErrorId.BadMessage,
      'FROST reshare: bad session id',
    );
    check(typeof msg.deltaCommitment === 'string', MpcErrorId.BadMessage, 'FROST reshare: missing commitment');
    this.sessionId = msg.sessionId;
    this.commitment = msg.deltaCommitment;
    return { delta2: toHex(this.delta2) };
  }

  round2(msg: FrostReshareMsg3): FrostShare {
    const d1 = guard(MpcErrorId.BadMessage, 'FROST reshare δ1', () => fromHex(msg?.delta1, 'delta1', 256));
    verifyOpening(this.commitment, msg.blind, 'frost/reshare', this.sessionId, d1);
    return refreshFrostShare(this.share, deriveFrostDelta(this.sessionId, d1, this.delta2));
  }
}

/** True when `share.signingShare · G` is the verifying share its public package records for it (RFC 9591). */
export function frostShareMatchesPublic(share: FrostShare): boolean {
  try {
    F.validateSecret({ identifier: share.identifier, signingShare: share.signingShare }, share.public);
    return true;
  } catch {
    return false;
  }
}
