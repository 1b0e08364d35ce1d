/**
 * The server party's side of each server-wallet protocol when the client party is the co-signer: the same rounds
 * as `mpc/protocol.ts`'s in-process runners, with every client-party message going through a `Cosigner` call.
 * The server party's checks are unchanged (it verifies every proof the co-signer sends); what the co-signer's run
 * produced is compared with this side's result before anything is stored.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Curve } from '../../chains/types.js';
import {
  type EcdsaP1,
  EcdsaP1KeyGen,
  EcdsaP1Reshare,
  type EcdsaP1Share,
  type PaillierKeyInput,
  type PartialSignature,
} from '../mpc/ecdsa2p.js';
import { MpcError, MpcErrorId } from '../mpc/errors.js';
import {
  FROST_IDS,
  type FrostCommitmentMsg,
  FrostDkgParty,
  FrostReshareLeader,
  type FrostShare,
  type FrostSigner,
  frostAggregate,
  frostPublicKey,
} from '../mpc/frost.js';
import { newSessionId } from '../mpc/protocol.js';
import type { Cosigner, SessionKind, SessionReply, ShareRef } from './api.js';

export interface RunTarget {
  kind: SessionKind;
  walletId: string;
  curve: Curve;
  version: number;
  backupShare?: string;
}

function agreed(reply: SessionReply, publicKey: string): SessionReply['done'] & object {
  if (!reply.done || reply.done.publicKey !== publicKey)
    throw new MpcError(MpcErrorId.BadMessage, 'The co-signer finished with another public key');
  return reply.done;
}

const ecdsaPublicKey = (s: EcdsaP1Share) => bytesToHex(s.Q.toBytes(true));

/** Key generation (`keygen`) or re-sharing (`backup`, `recover`) of a secp256k1 key with the co-signer as P2. */
export async function driveEcdsa(
  cosigner: Cosigner,
  target: RunTarget,
  paillier: PaillierKeyInput,
  from?: EcdsaP1Share,
): Promise<{ share: EcdsaP1Share; backupShare?: string }> {
  const sessionId = newSessionId();
  const p1 = from ? new EcdsaP1Reshare(sessionId, from, paillier) : new EcdsaP1KeyGen(sessionId, paillier);
  const r1 = await cosigner.sessionStart({ sessionId, ...target, msg: p1.round1() });
  const r2 = await cosigner.sessionStep({ sessionId, msg: p1.round2(r1.msg as never) });
  const r3 = await cosigner.sessionStep({ sessionId, msg: p1.pdlCommit(r2.msg as never) });
  const { opening, share } = p1.pdlOpen(r3.msg as never);
  const done = agreed(await cosigner.sessionStep({ sessionId, msg: opening }), ecdsaPublicKey(share));
  return { share, ...(done.backupShare ? { backupShare: done.backupShare } : {}) };
}

/** FROST DKG (`keygen`) or re-sharing (`backup`, `recover`) of an ed25519 key with the co-signer as participant 2. */
export async function driveFrost(
  cosigner: Cosigner,
  target: RunTarget,
  from?: FrostShare,
): Promise<{ share: FrostShare; backupShare?: string }> {
  const sessionId = newSessionId();
  let share: FrostShare;
  let last: SessionReply;
  if (from) {
    const leader = new FrostReshareLeader(sessionId, from);
    const r1 = await cosigner.sessionStart({ sessionId, ...target, msg: leader.round1() });
    const out = leader.round2(r1.msg as never);
    share = out.share;
    last = await cosigner.sessionStep({ sessionId, msg: out.msg });
  } else {
    const server = new FrostDkgParty('server');
    const r1 = await cosigner.sessionStart({ sessionId, ...target, msg: server.round1() });
    const { c1, c2 } = (r1.msg ?? {}) as { c1?: unknown; c2?: unknown };
    const s2 = server.round2(c1 as never);
    share = server.round3(c2 as never);
    last = await cosigner.sessionStep({ sessionId, msg: s2 });
  }
  const done = agreed(last, bytesToHex(frostPublicKey(share.public)));
  return { share, ...(done.backupShare ? { backupShare: done.backupShare } : {}) };
}

/** One ECDSA presignature: P1 here, P2 at the co-signer (which keeps its half under the session id). */
export async function remoteEcdsaPresign(cosigner: Cosigner, ref: ShareRef, p1: EcdsaP1): Promise<string> {
  const sessionId = newSessionId();
  const { msg } = await cosigner.ecdsaPresign1({ ...ref, msg: p1.nonceCommit(sessionId) });
  await cosigner.ecdsaPresign2({ ...ref, msg: p1.nonceOpen(msg as never) });
  return sessionId;
}

export async function remoteEcdsaPartial(
  cosigner: Cosigner,
  ref: ShareRef,
  sessionId: string,
  digest: Uint8Array,
): Promise<PartialSignature> {
  const { msg } = await cosigner.ecdsaPartial({ ...ref, sessionId, digest: bytesToHex(digest) });
  return msg as PartialSignature;
}

/**
 * FROST with the co-signer as participant 2: both commit, the co-signer signs its share, then this side (the
 * coordinator) signs its own and aggregates. `aggregate` runs inside `combine` (its failures are a bad partial).
 */
export async function remoteFrostShares(
  cosigner: Cosigner,
  ref: ShareRef,
  server: FrostSigner,
  message: Uint8Array,
): Promise<{ combine: () => Uint8Array }> {
  const sessionId = newSessionId();
  const mine = server.commit(sessionId);
  const { msg: theirs } = await cosigner.frostCommit({ ...ref, sessionId });
  const commitments = [mine, theirs as FrostCommitmentMsg];
  const { msg: clientShare } = await cosigner.frostSign({
    ...ref,
    sessionId,
    commitments,
    message: bytesToHex(message),
  });
  const serverShare = server.signShare(sessionId, commitments, message);
  return {
    combine: () =>
      frostAggregate(server.share.public, commitments, message, {
        [FROST_IDS.server]: serverShare,
        [FROST_IDS.client]: clientShare as string,
      }),
  };
}
