/**
 * The co-signer party itself: the client half of every server-wallet protocol, over its own share store and its
 * own envelope (key-encryption key). `npm run cosigner` serves it over HTTP (server.ts); a single-process
 * deployment uses it in-process (embedded).
 *
 * It never sees the server party's share. It refuses to overwrite an active share, keeps each run's and each
 * wallet's pending state bounded, and logs every payload it contributes a signature share to.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Curve } from '../../chains/types.js';
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { Envelope } from '../envelope.js';
import {
  EcdsaP2,
  EcdsaP2KeyGen,
  EcdsaP2Reshare,
  type EcdsaP2Share,
  type NonceMsg1,
  type NonceMsg3,
} from '../mpc/ecdsa2p.js';
import { check, MpcError, MpcErrorId } from '../mpc/errors.js';
import {
  type FrostCommitmentMsg,
  FrostDkgParty,
  FrostReshareFollower,
  type FrostShare,
  FrostSigner,
  frostPublicKey,
} from '../mpc/frost.js';
import { type DecodedShare, decodeShare, encodeShare, type ShareMeta } from '../mpc/share-codec.js';
import type { Cosigner, SessionReply, SessionStart, SessionStep, ShareRef } from './api.js';
import type { CosignerShareStore } from './store.js';

/** Who is asking (the HTTP server passes the authenticated caller; in-process calls are `embedded`). */
export interface CallContext {
  caller: string;
}

const EMBEDDED: CallContext = { caller: 'embedded' };
const SESSION_TTL_MS = 10 * 60_000;
const MAX_SESSIONS = 256;
const MAX_PRESIGNATURES_PER_KEY = 64;
const MAX_PARTIES = 10_000;

/** A run's steps, one per message from the server party; the last one answers `done`. */
type Step = (msg: unknown) => SessionReply | Promise<SessionReply>;

interface Session {
  expires: number;
  steps: Step[];
  at: number;
}

interface SigningParty {
  version: number;
  ecdsa?: EcdsaP2;
  frost?: FrostSigner;
  /** Presignature / commitment session ids in creation order (bounded: the oldest is dropped). */
  sessions: string[];
}

function dropParty(p: SigningParty): void {
  p.ecdsa?.clear();
  p.frost?.clear();
}

export function cosignerError(id: string, message: string): BaseError {
  return new BaseError(message, { id, kind: 'terminal' });
}

function publicKeyOf(share: DecodedShare): string {
  if (share.curve === 'ed25519') return bytesToHex(frostPublicKey(share.frost.public));
  return bytesToHex(share.ecdsa.Q.toBytes(true));
}

function ensureHex(value: unknown, what: string, bytes?: number): Uint8Array {
  check(
    typeof value === 'string' && /^([0-9a-f]{2})*$/i.test(value) && value.length <= 16_384,
    MpcErrorId.BadMessage,
    `${what} must be hex`,
  );
  const out = hexToBytes(value);
  check(bytes === undefined || out.length === bytes, MpcErrorId.BadMessage, `${what} must be ${bytes} bytes`);
  return out;
}

function ensureRef(ref: ShareRef): void {
  check(
    typeof ref?.walletId === 'string' && ref.walletId.length > 0 && ref.walletId.length <= 128,
    MpcErrorId.BadMessage,
    'walletId is required',
  );
  check(ref.curve === 'secp256k1' || ref.curve === 'ed25519', MpcErrorId.BadMessage, 'curve is not supported');
  check(Number.isSafeInteger(ref.version) && ref.version >= 1, MpcErrorId.BadMessage, 'version must be >= 1');
}

function ensureSessionId(id: unknown): asserts id is string {
  check(
    typeof id === 'string' && /^[0-9a-f]{32,128}$/.test(id),
    MpcErrorId.BadMessage,
    'sessionId must be 32–128 hex characters',
  );
}

export class LocalCosigner implements Cosigner {
  private readonly sessions = new Map<string, Session>();
  private readonly parties = new Map<string, Promise<SigningParty>>();

  constructor(
    private readonly deps: {
      store: CosignerShareStore;
      envelope: Envelope;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  // ---- key generation and re-sharing runs ---------------------------------------------------

  async sessionStart(req: SessionStart): Promise<SessionReply> {
    ensureRef(req);
    ensureSessionId(req.sessionId);
    this.prune();
    check(!this.sessions.has(req.sessionId), MpcErrorId.BadMessage, 'session id already used');
    if (this.sessions.size >= MAX_SESSIONS)
      throw new BaseError('Too many key generation runs in progress', { id: ErrorId.CosignerBusy, kind: 'retryable' });
    const meta: ShareMeta = {
      walletId: req.walletId,
      curve: req.curve,
      version: req.version,
      holder: 'server',
      role: 'client',
      ...(req.kind === 'backup' ? { backup: true } : {}),
    };
    const source = await this.sourceShare(req);
    const steps = req.curve === 'ed25519' ? this.frostRun(req, meta, source) : this.ecdsaRun(req, meta, source);
    const session: Session = { expires: this.now() + SESSION_TTL_MS, steps, at: 0 };
    this.sessions.set(req.sessionId, session);
    return this.advance(req.sessionId, session, req.msg);
  }

  async sessionStep(req: SessionStep): Promise<SessionReply> {
    ensureSessionId(req?.sessionId);
    const session = this.sessions.get(req.sessionId);
    if (!session || session.expires < this.now())
      throw new MpcError(MpcErrorId.BadMessage, 'unknown or expired key generation run');
    return this.advance(req.sessionId, session, req.msg);
  }

  private async advance(id: string, session: Session, msg: unknown): Promise<SessionReply> {
    try {
      const step = session.steps[session.at++];
      if (!step) throw new MpcError(MpcErrorId.BadMessage, 'the run is already complete');
      const reply = await step(msg);
      if (reply.done) this.sessions.delete(id);
      return reply;
    } catch (err) {
      this.sessions.delete(id);
      throw err;
    }
  }

  /** keygen: none (refused when an active share exists); backup: the active share; recover: the caller's backup. */
  private async sourceShare(req: SessionStart): Promise<DecodedShare | undefined> {
    const active = await this.deps.store.active(req.walletId, req.curve);
    if (req.kind === 'keygen') {
      if (active)
        throw cosignerError(
          ErrorId.CosignerShareExists,
          `The co-signer already holds a ${req.curve} key for this wallet`,
        );
      check(req.version === 1, MpcErrorId.BadMessage, 'key generation makes version 1');
      return undefined;
    }
    if (!active) throw cosignerError(ErrorId.WalletNotFound, `The co-signer holds no ${req.curve} key for this wallet`);
    const current = await this.open(req.walletId, req.curve, active.blob, active.version);
    if (req.kind === 'backup') return current;
    check(req.version === active.version + 1, MpcErrorId.BadMessage, 'recovery makes the next key version');
    const backup = decodeShare(String(req.backupShare ?? ''));
    if (
      backup.walletId !== req.walletId ||
      backup.curve !== req.curve ||
      backup.role !== 'client' ||
      !backup.backup ||
      backup.holder !== 'server' ||
      publicKeyOf(backup) !== publicKeyOf(current)
    )
      throw new MpcError(MpcErrorId.ShareMismatch, `Backup share does not belong to this wallet's ${req.curve} key`);
    return backup;
  }

  private ecdsaRun(req: SessionStart, meta: ShareMeta, source: DecodedShare | undefined): Step[] {
    if (source && source.curve !== 'secp256k1')
      throw new MpcError(MpcErrorId.ShareMismatch, 'share is for another curve');
    const p = source ? new EcdsaP2Reshare(source.ecdsa as EcdsaP2Share) : new EcdsaP2KeyGen();
    // Messages are untyped JSON here; each round validates what it reads.
    return [
      (m1) => ({ msg: p.round1(m1 as never) }),
      (m3) => ({ msg: p.round2(m3 as never) }),
      (c2) => ({ msg: p.pdlReveal(c2 as never) }),
      (opening) => this.finish(req, meta, p.pdlFinish(opening as never), source),
    ];
  }

  private frostRun(req: SessionStart, meta: ShareMeta, source: DecodedShare | undefined): Step[] {
    if (source) {
      if (source.curve !== 'ed25519') throw new MpcError(MpcErrorId.ShareMismatch, 'share is for another curve');
      const follower = new FrostReshareFollower(source.frost);
      return [
        (m1) => ({ msg: follower.round1(m1 as never) }),
        (m3) => this.finish(req, meta, follower.round2(m3 as never), source),
      ];
    }
    const party = new FrostDkgParty('client');
    return [
      (s1) => ({ msg: { c1: party.round1(), c2: party.round2(s1 as never) } }),
      (s2) => this.finish(req, meta, party.round3(s2 as never), source),
    ];
  }

  private async finish(
    req: SessionStart,
    meta: ShareMeta,
    share: EcdsaP2Share | FrostShare,
    source: DecodedShare | undefined,
  ): Promise<SessionReply> {
    const text = encodeShare(meta, share);
    const decoded = decodeShare(text);
    const publicKey = publicKeyOf(decoded);
    if (source && publicKey !== publicKeyOf(source))
      throw new MpcError(MpcErrorId.BadMessage, 'Re-sharing changed the public key (refusing)');
    if (req.kind === 'backup') return { done: { publicKey, backupShare: text } };
    const key = { walletId: req.walletId, curve: req.curve, version: req.version };
    const sealed = await this.deps.envelope.sealToString(text, { ...key, party: 'client' });
    if (!(await this.deps.store.putPending(key, sealed)))
      throw cosignerError(
        ErrorId.CosignerShareExists,
        `The co-signer already holds a ${req.curve} key of this version`,
      );
    return { done: { publicKey } };
  }

  async confirm(req: ShareRef & { publicKey: string }): Promise<void> {
    ensureRef(req);
    const active = await this.deps.store.active(req.walletId, req.curve);
    const blob =
      active && active.version === req.version ? active.blob : await this.deps.store.pending(req as ShareRef);
    if (!blob)
      throw cosignerError(ErrorId.WalletNotFound, `No ${req.curve} share of version ${req.version} to confirm`);
    const share = await this.open(req.walletId, req.curve, blob, req.version);
    if (publicKeyOf(share) !== String(req.publicKey).toLowerCase())
      throw new MpcError(MpcErrorId.ShareMismatch, 'The confirmed public key is not the co-signer share’s');
    if (!(await this.deps.store.activate(req)))
      throw cosignerError(ErrorId.WalletNotFound, `No ${req.curve} share of version ${req.version} to confirm`);
    this.parties.delete(`${req.walletId}/${req.curve}`);
  }

  async activeVersion(req: { walletId: string; curve: Curve }): Promise<{ version: number | null }> {
    ensureRef({ ...req, version: 1 });
    return { version: (await this.deps.store.active(req.walletId, req.curve))?.version ?? null };
  }

  // ---- signing ------------------------------------------------------------------------------

  async ecdsaPresign1(req: ShareRef & { msg: unknown }): Promise<{ msg: unknown }> {
    const party = await this.party(req, 'secp256k1');
    const msg = party.ecdsa!.nonceRespond(req.msg as NonceMsg1);
    this.track(party, (req.msg as NonceMsg1).sessionId);
    return { msg };
  }

  async ecdsaPresign2(req: ShareRef & { msg: unknown }): Promise<void> {
    const party = await this.party(req, 'secp256k1');
    party.ecdsa!.nonceFinish(req.msg as NonceMsg3);
  }

  async ecdsaPartial(
    req: ShareRef & { sessionId: string; digest: string },
    ctx: CallContext = EMBEDDED,
  ): Promise<{ msg: unknown }> {
    const party = await this.party(req, 'secp256k1');
    ensureSessionId(req.sessionId);
    const digest = ensureHex(req.digest, 'digest', 32);
    const msg = party.ecdsa!.partialSign(req.sessionId, digest);
    await this.deps.store.logSignature({ ...this.key(req), payload: bytesToHex(digest), caller: ctx.caller });
    return { msg };
  }

  async frostCommit(req: ShareRef & { sessionId: string }): Promise<{ msg: unknown }> {
    const party = await this.party(req, 'ed25519');
    ensureSessionId(req.sessionId);
    const msg = party.frost!.commit(req.sessionId);
    this.track(party, req.sessionId);
    return { msg };
  }

  async frostSign(
    req: ShareRef & { sessionId: string; commitments: unknown[]; message: string },
    ctx: CallContext = EMBEDDED,
  ): Promise<{ msg: unknown }> {
    const party = await this.party(req, 'ed25519');
    ensureSessionId(req.sessionId);
    check(Array.isArray(req.commitments) && req.commitments.length === 2, MpcErrorId.BadMessage, 'two commitments');
    const message = ensureHex(req.message, 'message');
    const msg = party.frost!.signShare(req.sessionId, req.commitments as FrostCommitmentMsg[], message);
    await this.deps.store.logSignature({ ...this.key(req), payload: bytesToHex(message), caller: ctx.caller });
    return { msg };
  }

  /** Drops cached signing parties (their presignatures and nonces). */
  close(): void {
    for (const p of this.parties.values()) void p.then(dropParty, () => {});
    this.parties.clear();
    this.sessions.clear();
  }

  // ---- in-process use (the single-process deployment's MpcSigner) ---------------------------

  /** The active client share, decoded (an in-process caller only: it is secret). */
  async activeShare(walletId: string, curve: Curve): Promise<DecodedShare | undefined> {
    const active = await this.deps.store.active(walletId, curve);
    return active ? this.open(walletId, curve, active.blob, active.version) : undefined;
  }

  /** Stores and activates a client share made by an in-process run (key generation or recovery). */
  async adopt(meta: ShareMeta, share: EcdsaP2Share | FrostShare): Promise<void> {
    const key = { walletId: meta.walletId, curve: meta.curve, version: meta.version };
    const sealed = await this.deps.envelope.sealToString(encodeShare(meta, share), { ...key, party: 'client' });
    if (!(await this.deps.store.putPending(key, sealed)) || !(await this.deps.store.activate(key)))
      throw cosignerError(ErrorId.CosignerShareExists, `A ${meta.curve} client share of this version already exists`);
    this.parties.delete(`${meta.walletId}/${meta.curve}`);
  }

  // ---- internals ----------------------------------------------------------------------------

  private key(ref: ShareRef): ShareRef {
    return { walletId: ref.walletId, curve: ref.curve, version: ref.version };
  }

  /**
   * The cached signing party for the active share; a request for another version is refused. Concurrent first
   * requests share one load (two party objects for one key would each hold only part of its presignatures).
   */
  private async party(ref: ShareRef, curve: Curve): Promise<SigningParty> {
    ensureRef(ref);
    check(ref.curve === curve, MpcErrorId.BadMessage, `this step is for ${curve}`);
    const id = `${ref.walletId}/${ref.curve}`;
    const cached = this.parties.get(id);
    if (cached) {
      const party = await cached;
      if (party.version === ref.version) return party;
    }
    const loading = this.loadParty(ref, curve);
    this.parties.set(id, loading);
    loading.catch(() => {
      if (this.parties.get(id) === loading) this.parties.delete(id);
    });
    if (cached) void cached.then(dropParty, () => {});
    if (this.parties.size > MAX_PARTIES) {
      const oldest = this.parties.keys().next().value as string;
      void this.parties.get(oldest)?.then(dropParty, () => {});
      this.parties.delete(oldest);
    }
    return loading;
  }

  private async loadParty(ref: ShareRef, curve: Curve): Promise<SigningParty> {
    const active = await this.deps.store.active(ref.walletId, ref.curve);
    if (!active) throw cosignerError(ErrorId.WalletNotFound, `The co-signer holds no ${curve} key for this wallet`);
    if (active.version !== ref.version)
      throw new MpcError(
        MpcErrorId.ShareMismatch,
        `The co-signer's key is version ${active.version}, the request is for version ${ref.version}`,
      );
    const share = await this.open(ref.walletId, ref.curve, active.blob, active.version);
    return {
      version: active.version,
      sessions: [],
      ...(share.curve === 'ed25519'
        ? { frost: new FrostSigner(share.frost) }
        : { ecdsa: new EcdsaP2(share.ecdsa as EcdsaP2Share) }),
    };
  }

  /** Bounds the presignatures (commitments) a caller can make a key hold: beyond the limit the oldest is dropped. */
  private track(party: SigningParty, sessionId: string): void {
    party.sessions.push(sessionId);
    while (party.sessions.length > MAX_PRESIGNATURES_PER_KEY) {
      const old = party.sessions.shift() as string;
      try {
        party.ecdsa?.exportPresignature(old);
      } catch {
        // already used or never finished
      }
      party.frost?.forget(old);
    }
  }

  private async open(walletId: string, curve: Curve, blob: string, version: number): Promise<DecodedShare> {
    const share = decodeShare(await this.deps.envelope.openFromString(blob, { walletId, curve, party: 'client' }));
    if (share.walletId !== walletId || share.curve !== curve || share.version !== version || share.role !== 'client')
      throw new MpcError(MpcErrorId.ShareMismatch, 'Stored share does not match its row');
    return share;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expires < now) this.sessions.delete(id);
  }
}
