/**
 * In-process runners: drive two party objects through a protocol by passing their JSON messages
 * to each other. `tamper` (tests only) sees every message by step name and may return a modified copy,
 * which is how the tests show that each check rejects a malicious peer.
 */
import { randomBytes } from 'node:crypto';
import {
  type EcdsaP1,
  EcdsaP1KeyGen,
  EcdsaP1Reshare,
  type EcdsaP1Share,
  type EcdsaP2,
  EcdsaP2KeyGen,
  EcdsaP2Reshare,
  type EcdsaP2Share,
  type EcdsaSignatureParts,
  type PaillierKeyInput,
} from './ecdsa2p.js';
import { MpcError, MpcErrorId } from './errors.js';
import {
  FROST_IDS,
  type FrostCommitmentMsg,
  FrostDkgParty,
  FrostReshareFollower,
  FrostReshareLeader,
  type FrostShare,
  type FrostSigner,
  frostAggregate,
  frostPublicKey,
} from './frost.js';

export type Tamper = (step: string, msg: unknown) => unknown;

export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}

function via<T>(tamper: Tamper | undefined, step: string, msg: T): T {
  return tamper ? (tamper(step, structuredClone(msg)) as T) : msg;
}

// ---- two-party ECDSA ------------------------------------------------------------------------

/** `paillier`: P1's fresh key, optionally with its precomputed range-proof commitments (consumed). */
export function runEcdsaKeyGen(paillier: PaillierKeyInput, tamper?: Tamper): { p1: EcdsaP1Share; p2: EcdsaP2Share } {
  const p1 = new EcdsaP1KeyGen(newSessionId(), paillier);
  const p2 = new EcdsaP2KeyGen();
  const m1 = via(tamper, 'keygen/1:commit-Q1', p1.round1());
  const m2 = via(tamper, 'keygen/2:Q2', p2.round1(m1));
  const m3 = via(tamper, 'keygen/3:open-Q1+N+ckey', p1.round2(m2));
  const c1 = via(tamper, 'keygen/4:pdl-challenge', p2.round2(m3));
  const c2 = via(tamper, 'keygen/5:pdl-commit', p1.pdlCommit(c1));
  const c3 = via(tamper, 'keygen/6:pdl-reveal', p2.pdlReveal(c2));
  const { opening, share: s1 } = p1.pdlOpen(c3);
  const s2 = p2.pdlFinish(via(tamper, 'keygen/7:pdl-open', opening));
  if (!s1.Q.equals(s2.Q)) throw new MpcError(MpcErrorId.BadMessage, 'KeyGen: parties disagree on the public key');
  return { p1: s1, p2: s2 };
}

export function runEcdsaReshare(
  p1Share: EcdsaP1Share,
  p2Share: EcdsaP2Share,
  newPaillier: PaillierKeyInput,
  tamper?: Tamper,
): { p1: EcdsaP1Share; p2: EcdsaP2Share } {
  const p1 = new EcdsaP1Reshare(newSessionId(), p1Share, newPaillier);
  const p2 = new EcdsaP2Reshare(p2Share);
  const m1 = via(tamper, 'reshare/1:commit-delta1', p1.round1());
  const m2 = via(tamper, 'reshare/2:delta2', p2.round1(m1));
  const m3 = via(tamper, 'reshare/3:open-delta1+Q1+ckey', p1.round2(m2));
  const c1 = via(tamper, 'reshare/4:pdl-challenge', p2.round2(m3));
  const c2 = via(tamper, 'reshare/5:pdl-commit', p1.pdlCommit(c1));
  const c3 = via(tamper, 'reshare/6:pdl-reveal', p2.pdlReveal(c2));
  const { opening, share: s1 } = p1.pdlOpen(c3);
  const s2 = p2.pdlFinish(via(tamper, 'reshare/7:pdl-open', opening));
  return { p1: s1, p2: s2 };
}

/** Nonce exchange + P2 precomputation: a presignature, identified by the returned session id. */
export function runEcdsaPresign(p1: EcdsaP1, p2: EcdsaP2, tamper?: Tamper): string {
  const sessionId = newSessionId();
  const m1 = via(tamper, 'sign/1:commit-R1', p1.nonceCommit(sessionId));
  const m2 = via(tamper, 'sign/2:R2', p2.nonceRespond(m1));
  const m3 = via(tamper, 'sign/3:open-R1', p1.nonceOpen(m2));
  p2.nonceFinish(m3);
  return sessionId;
}

/** The online part: P2's partial signature c3, then P1 decrypts, finishes and verifies. */
export function runEcdsaOnline(
  p1: EcdsaP1,
  p2: EcdsaP2,
  presignature: string,
  digest: Uint8Array,
  tamper?: Tamper,
): EcdsaSignatureParts {
  const partial = via(tamper, 'sign/4:c3', p2.partialSign(presignature, digest));
  return p1.finish(partial, digest);
}

export function runEcdsaSign(p1: EcdsaP1, p2: EcdsaP2, digest: Uint8Array, tamper?: Tamper): EcdsaSignatureParts {
  return runEcdsaOnline(p1, p2, runEcdsaPresign(p1, p2, tamper), digest, tamper);
}

// ---- FROST Ed25519 --------------------------------------------------------------------------

export function runFrostDkg(tamper?: Tamper): { server: FrostShare; client: FrostShare } {
  const server = new FrostDkgParty('server');
  const client = new FrostDkgParty('client');
  const s1 = via(tamper, 'frost-dkg/1:server', server.round1());
  const c1 = via(tamper, 'frost-dkg/1:client', client.round1());
  const s2 = via(tamper, 'frost-dkg/2:server', server.round2(c1));
  const c2 = via(tamper, 'frost-dkg/2:client', client.round2(s1));
  const serverShare = server.round3(c2);
  const clientShare = client.round3(s2);
  if (Buffer.compare(frostPublicKey(serverShare.public), frostPublicKey(clientShare.public)) !== 0)
    throw new MpcError(MpcErrorId.BadMessage, 'FROST DKG: parties disagree on the public key');
  return { server: serverShare, client: clientShare };
}

/**
 * FROST round 1 ahead of time (RFC 9591 §5.1 preprocessing): both parties commit to a fresh nonce pair
 * under a new session id; the coordinator (server) keeps the commitment list. Each presignature is
 * single-use: the parties delete the nonces when they sign with them (or refuse the request).
 */
export interface FrostPresignature {
  sessionId: string;
  commitments: FrostCommitmentMsg[];
}

export function runFrostPresign(server: FrostSigner, client: FrostSigner, tamper?: Tamper): FrostPresignature {
  const sessionId = newSessionId();
  const commitments = [
    via(tamper, 'frost-sign/1:server-commit', server.commit(sessionId)),
    via(tamper, 'frost-sign/1:client-commit', client.commit(sessionId)),
  ];
  return { sessionId, commitments };
}

/** FROST round 2, the online part: signShare (both) → aggregate + verify (server is the coordinator). */
export function runFrostOnline(
  server: FrostSigner,
  client: FrostSigner,
  presignature: FrostPresignature,
  msg: Uint8Array,
  tamper?: Tamper,
): Uint8Array {
  const { sessionId, commitments } = presignature;
  const shares = {
    [FROST_IDS.server]: via(tamper, 'frost-sign/2:server-share', server.signShare(sessionId, commitments, msg)),
    [FROST_IDS.client]: via(tamper, 'frost-sign/2:client-share', client.signShare(sessionId, commitments, msg)),
  };
  return frostAggregate(server.share.public, commitments, msg, shares);
}

/** Full FROST round: commit → signShare → aggregate (server is the coordinator). */
export function runFrostSign(server: FrostSigner, client: FrostSigner, msg: Uint8Array, tamper?: Tamper): Uint8Array {
  return runFrostOnline(server, client, runFrostPresign(server, client, tamper), msg, tamper);
}

export function runFrostReshare(
  server: FrostShare,
  client: FrostShare,
  tamper?: Tamper,
): { server: FrostShare; client: FrostShare } {
  const leader = new FrostReshareLeader(newSessionId(), server);
  const follower = new FrostReshareFollower(client);
  const m1 = via(tamper, 'frost-reshare/1:commit-delta1', leader.round1());
  const m2 = via(tamper, 'frost-reshare/2:delta2', follower.round1(m1));
  const { msg: m3, share: newServer } = leader.round2(m2);
  const newClient = follower.round2(via(tamper, 'frost-reshare/3:open-delta1', m3));
  return { server: newServer, client: newClient };
}
