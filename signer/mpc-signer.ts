/**
 * The 2-of-2 MPC signer: secp256k1 via Lindell two-party ECDSA, Ed25519 via FROST.
 *
 * Two wallet styles:
 * - server wallets (Dynamic-style, `createKey`): both shares are held server-side, in two separate
 *   stores, each sealed with the envelope; presignatures make online ECDSA signing cheap.
 * - client-held wallets (Portal-style, `generateClientWallet`): the client's share is handed to the
 *   caller and never stored here; `sign` gets it back through `resolveClientShare(shareRef)`.
 *
 * The parties run in this process and only exchange protocol messages: the full private key is never
 * assembled. Every signature is verified against the wallet public key before it is returned.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Curve, Signature } from '../chains/types.js';
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { Cosigner, ShareRef } from './cosigner/api.js';
import { driveEcdsa, driveFrost, remoteEcdsaPartial, remoteEcdsaPresign, remoteFrostShares } from './cosigner/drive.js';
import { LocalCosigner } from './cosigner/local.js';
import { EmbeddedCosignerStore } from './cosigner/store.js';
import type { Envelope } from './envelope.js';
import { strip0x, verifySignature } from './local-key.js';
import { InThreadCompute, type MpcCompute } from './mpc/compute.js';
import {
  EcdsaP1,
  type EcdsaP1Share,
  EcdsaP2,
  type EcdsaP2Share,
  type EcdsaSignatureParts,
  type PaillierKeyInput,
  paillierKeyOf,
  signatureHex,
} from './mpc/ecdsa2p.js';
import { MpcError, MpcErrorId } from './mpc/errors.js';
import { type FrostShare, FrostSigner, frostPublicKey } from './mpc/frost.js';
import { PaillierPrivateKey } from './mpc/paillier.js';
import { PresignaturePool } from './mpc/presign-pool.js';
import {
  runEcdsaOnline,
  runEcdsaPresign,
  runFrostDkg,
  runFrostOnline,
  runFrostPresign,
  runFrostReshare,
  type Tamper,
} from './mpc/protocol.js';
import { assertClientBinding, clientFingerprint } from './mpc/share-binding.js';
import { type DecodedShare, decodeShare, encodeShare, type ShareMeta } from './mpc/share-codec.js';
import type { ShareParty, ShareStore } from './mpc/share-store.js';
import { InMemorySigningGuard, type SigningGuard } from './signing-guard.js';
import type { CreatedKey, Signer, SignRequest } from './types.js';

export interface MpcSignerDeps {
  /** Server shares and server backup shares (sealed). */
  serverStore: ShareStore;
  /**
   * The client party of server wallets: the co-signer (`CosignerClient`, the separate `npm run cosigner` process)
   * or, when absent, a `LocalCosigner` in this process over `clientStore` (single-process deployments and tests).
   */
  cosigner?: Cosigner;
  /** Client shares of server wallets (sealed), for the in-process second party. Client-held wallets never write here. */
  clientStore?: ShareStore;
  envelope: Envelope;
  /** Returns the serialised client share a `shareRef` points to (client-held wallets). */
  resolveClientShare?: (shareRef: string) => Promise<string>;
  /**
   * Source of fresh 2048-bit Paillier keys (P1's encryption key), each used once. Default: generate on demand
   * (≈1.5–3 s). A pre-generated pool takes this off the request path; when its keys come with precomputed
   * range-proof commitments (`PreparedPaillierKey`), key generation and re-sharing skip most of the prover's work.
   */
  paillierKeys?: () => Promise<PaillierKeyInput>;
  /** Presignatures kept ready per server wallet (0 disables). Default 8. */
  presignatures?: number;
  /**
   * Where secp256k1 key generation, re-sharing (seconds of CPU each) and presignature generation (≈ 70 ms each)
   * run. Default: on the calling thread (`InThreadCompute`); servers pass a `ComputePool` (worker threads) and
   * close it themselves.
   */
  compute?: MpcCompute;
  /** Signing locks and refusal audit (default: process-local `InMemorySigningGuard`; the runtime's is in PostgreSQL). */
  guard?: SigningGuard;
  /**
   * TESTS ONLY: sees (and may replace) every signing message, as `protocol.ts`'s runners do — how the tests play a
   * client that sends a bad partial signature. Never set by the runtime.
   */
  tamper?: Tamper;
}

export interface ClientWallet {
  secp256k1: { share: string; publicKey: string };
  ed25519: { share: string; publicKey: string };
}

/** Client backup shares by curve (serialised). The server halves stay in the server store. */
export type BackupShares = Partial<Record<Curve, string>>;

export interface RecoveredKey {
  publicKey: string;
  /** New client share: returned for client-held wallets only (server wallets store it). */
  share?: string;
  version: number;
}

const CURVES: Curve[] = ['secp256k1', 'ed25519'];

interface ServerWalletParties {
  version: number;
  p1: EcdsaP1;
  /** In-process second party only; with the remote co-signer P2 lives there. */
  p2?: EcdsaP2;
  pool: PresignaturePool;
}

type ServerShare = DecodedShare & { role: 'server' };
type ClientShare = DecodedShare & { role: 'client' };

function signingFailed(message: string, cause?: unknown): BaseError {
  return new BaseError(message, { id: ErrorId.SigningFailed, kind: 'terminal', cause });
}

function walletLocked(curve: Curve): BaseError {
  return new BaseError(
    `${curve} signing for this wallet is locked after a failed partial signature; an operator must unlock it`,
    { id: ErrorId.WalletLocked, kind: 'terminal' },
  );
}

/** A protocol failure after the nonce exchange: the other party's partial signature did not verify. */
class FailedPartial extends Error {}

function walletNotFound(walletId: string, curve: Curve): BaseError {
  return new BaseError(`No ${curve} MPC key for wallet ${walletId}`, { id: ErrorId.WalletNotFound, kind: 'terminal' });
}

function publicKeyHex(share: DecodedShare): string {
  if (share.curve === 'ed25519') return bytesToHex(frostPublicKey(share.frost.public));
  return bytesToHex(share.ecdsa.Q.toBytes(true));
}

export class MpcSigner implements Signer {
  private readonly deps: MpcSignerDeps;
  private readonly presignTarget: number;
  private readonly compute: MpcCompute;
  private readonly guard: SigningGuard;
  /** Locks whose shared record could not be written (database down): honoured by this process until it restarts. */
  private readonly localLocks = new Set<string>();
  private readonly parties = new Map<string, ServerWalletParties>();
  /** The second party of server wallets: in this process (its shares read directly) or the remote co-signer. */
  private readonly local: LocalCosigner | undefined;
  private readonly cosigner: Cosigner;
  /** Server-wallet keys whose co-signer version was checked by this process (`${walletId}/${curve}/${version}`). */
  private readonly confirmed = new Set<string>();
  private closed = false;

  constructor(deps: MpcSignerDeps) {
    this.deps = deps;
    this.presignTarget = deps.presignatures ?? 8;
    this.compute = deps.compute ?? new InThreadCompute();
    this.guard = deps.guard ?? new InMemorySigningGuard();
    if (deps.cosigner) this.cosigner = deps.cosigner;
    else if (deps.clientStore)
      this.cosigner = new LocalCosigner({
        store: new EmbeddedCosignerStore(deps.clientStore),
        envelope: deps.envelope,
      });
    else throw new Error('MpcSigner needs a cosigner or a clientStore for the second party of server wallets');
    this.local = this.cosigner instanceof LocalCosigner ? this.cosigner : undefined;
  }

  // ---- key generation -----------------------------------------------------------------------

  /** Server wallet: DKG between the two in-process parties; both shares stored (sealed). Idempotent. */
  async createKey(walletId: string, curve: Curve): Promise<CreatedKey> {
    const existing = await this.readShare(this.deps.serverStore, walletId, curve, 'server');
    if (existing) {
      const publicKey = publicKeyHex(existing.share);
      // A crash between storing this half and the co-signer's confirmation leaves its share pending: confirm again.
      await this.ensureCosignerVersion(walletId, curve, existing.version, publicKey);
      return { curve, publicKey };
    }
    const meta = { walletId, curve, version: 1, holder: 'server' as const };
    if (this.local) {
      const { server, client } = await this.dkg(curve);
      const peer = clientFingerprint(meta, client as EcdsaP2Share | FrostShare);
      await this.local.adopt({ ...meta, role: 'client' }, client as EcdsaP2Share | FrostShare);
      await this.writeShare(this.deps.serverStore, 'server', { ...meta, role: 'server', peer }, server);
      return { curve, publicKey: this.publicKeyOf(curve, server) };
    }
    // The co-signer plays the client party: it keeps its share (pending until confirmed); this side stores its own.
    const target = { kind: 'keygen' as const, walletId, curve, version: 1 };
    const { share } =
      curve === 'ed25519'
        ? await driveFrost(this.cosigner, target)
        : await driveEcdsa(this.cosigner, target, await this.freshPaillierKey());
    await this.writeShare(this.deps.serverStore, 'server', { ...meta, role: 'server' }, share);
    const publicKey = this.publicKeyOf(curve, share);
    await this.cosigner.confirm({ walletId, curve, version: 1, publicKey });
    this.confirmed.add(`${walletId}/${curve}/1`);
    return { curve, publicKey };
  }

  /**
   * Remote co-signer only: makes sure its active share is the version this side signs with, confirming a pending
   * one left by a crash between the two writes (key generation or recovery). Checked once per key per process.
   */
  private async ensureCosignerVersion(walletId: string, curve: Curve, version: number, publicKey: string) {
    if (this.local || this.confirmed.has(`${walletId}/${curve}/${version}`)) return;
    const { version: active } = await this.cosigner.activeVersion({ walletId, curve });
    if (active !== version) await this.cosigner.confirm({ walletId, curve, version, publicKey });
    this.confirmed.add(`${walletId}/${curve}/${version}`);
  }

  /** Client-held wallet: DKG for both curves; returns the client shares (not stored here). */
  async generateClientWallet(walletId: string): Promise<ClientWallet> {
    for (const curve of CURVES)
      if (await this.deps.serverStore.latest(walletId, curve, 'server'))
        throw new BaseError(`Wallet ${walletId} already has a ${curve} key`, {
          id: ErrorId.BadRequest,
          kind: 'terminal',
        });
    const out: Partial<ClientWallet> = {};
    for (const curve of CURVES) {
      const { server, client } = await this.dkg(curve);
      const meta = { walletId, curve, version: 1, holder: 'client' as const };
      const peer = clientFingerprint(meta, client as EcdsaP2Share | FrostShare);
      await this.writeShare(this.deps.serverStore, 'server', { ...meta, role: 'server', peer }, server);
      out[curve] = {
        share: encodeShare({ ...meta, role: 'client' }, client),
        publicKey: this.publicKeyOf(curve, server),
      };
    }
    return out as ClientWallet;
  }

  async publicKey(walletId: string, curve: Curve): Promise<string> {
    const s = await this.readShare(this.deps.serverStore, walletId, curve, 'server');
    if (!s) throw walletNotFound(walletId, curve);
    return publicKeyHex(s.share);
  }

  // ---- signing ------------------------------------------------------------------------------

  async sign(request: SignRequest): Promise<Signature> {
    const { walletId, curve } = request;
    const payloadHex = strip0x(request.payload);
    if (!/^([0-9a-fA-F]{2})*$/.test(payloadHex))
      throw new BaseError('payload must be hex', { id: ErrorId.BadRequest, kind: 'terminal' });
    const payload = hexToBytes(payloadHex);
    if (curve === 'secp256k1' && payload.length !== 32)
      throw new BaseError('secp256k1 payload must be a 32-byte digest', { id: ErrorId.BadRequest, kind: 'terminal' });
    const server = await this.readShare(this.deps.serverStore, walletId, curve, 'server');
    if (!server) throw walletNotFound(walletId, curve);
    if (await this.isLocked(walletId, curve)) throw walletLocked(curve);
    const publicKey = publicKeyHex(server.share);

    let signature: Signature;
    try {
      if (curve === 'ed25519' && server.share.holder === 'server' && !this.local) {
        if (server.share.curve !== 'ed25519') throw new Error('curve mismatch');
        await this.ensureCosignerVersion(walletId, curve, server.version, publicKey);
        const ref = { walletId, curve, version: server.version };
        const { combine } = await remoteFrostShares(this.cosigner, ref, new FrostSigner(server.share.frost), payload);
        signature = { curve, signature: bytesToHex(online(combine)) };
      } else if (curve === 'ed25519') {
        const client = await this.clientShare(server.share, request.shareRef);
        if (client.curve !== 'ed25519' || server.share.curve !== 'ed25519') throw new Error('curve mismatch');
        const p1 = new FrostSigner(server.share.frost);
        const p2 = new FrostSigner(client.frost);
        const presignature = runFrostPresign(p1, p2, this.deps.tamper);
        const sig = online(() => runFrostOnline(p1, p2, presignature, payload, this.deps.tamper));
        signature = { curve, signature: bytesToHex(sig) };
      } else {
        const parts = await this.signEcdsa(server.share as ServerShare, server.version, payload, request.shareRef);
        signature = { curve, signature: signatureHex(parts), recovery: parts.recovery };
      }
      if (!this.isValid(curve, publicKey, payloadHex, signature))
        throw new FailedPartial('the signature does not verify against the wallet public key');
    } catch (err) {
      if (err instanceof FailedPartial) {
        // Fail closed: if the shared lock cannot be written, this process keeps the wallet locked until it restarts.
        await this.guard.lock(walletId, curve, err.message).catch(() => this.localLocks.add(`${walletId}/${curve}`));
        throw walletLocked(curve);
      }
      if (err instanceof MpcError && (err.id === MpcErrorId.ShareMismatch || err.id === MpcErrorId.ShareInvalid))
        throw err;
      if (err instanceof BaseError && err.id !== ErrorId.SigningFailed && !(err instanceof MpcError)) throw err;
      throw signingFailed(`MPC ${curve} signing failed`, err);
    }
    return signature;
  }

  /**
   * Checks a client share before anything uses it (lock, metadata, binding to the recorded public parts) without
   * signing: the API calls this before it vaults a share or starts a transfer.
   */
  async verifyClientShare(walletId: string, curve: Curve, shareJson: string): Promise<void> {
    const server = await this.readShare(this.deps.serverStore, walletId, curve, 'server');
    if (!server) throw walletNotFound(walletId, curve);
    if (await this.isLocked(walletId, curve)) throw walletLocked(curve);
    await this.audited(server.share, () => this.checkClient(server.share, decodeShare(shareJson)));
  }

  private async signEcdsa(
    server: ServerShare,
    version: number,
    digest: Uint8Array,
    shareRef: string | undefined,
  ): Promise<EcdsaSignatureParts> {
    if (server.curve !== 'secp256k1') throw new Error('curve mismatch');
    const tamper = this.deps.tamper;
    if (server.holder === 'client') {
      const client = await this.clientShare(server, shareRef);
      if (client.curve !== 'secp256k1') throw new Error('curve mismatch');
      const p1 = new EcdsaP1(server.ecdsa as EcdsaP1Share);
      const p2 = new EcdsaP2(client.ecdsa as EcdsaP2Share);
      const presignature = runEcdsaPresign(p1, p2, tamper);
      return online(() => runEcdsaOnline(p1, p2, presignature, digest, tamper));
    }
    const parties = await this.serverParties(server, version);
    if (!parties.p2) return this.signWithCosigner(parties, server.walletId, version, digest);
    const p2 = parties.p2;
    const presignature = parties.pool.take() ?? runEcdsaPresign(parties.p1, p2, tamper);
    return online(() => runEcdsaOnline(parties.p1, p2, presignature, digest, tamper));
  }

  /**
   * P2's partial signature from the co-signer. A pooled presignature it no longer knows (it restarted) is dropped
   * and the signature made on a fresh one; only this side's check of the partial (`finish`) can lock the wallet.
   */
  private async signWithCosigner(
    parties: ServerWalletParties,
    walletId: string,
    version: number,
    digest: Uint8Array,
  ): Promise<EcdsaSignatureParts> {
    const ref: ShareRef = { walletId, curve: 'secp256k1', version };
    const pooled = parties.pool.take();
    const first = pooled ?? (await remoteEcdsaPresign(this.cosigner, ref, parties.p1));
    let partial: Awaited<ReturnType<typeof remoteEcdsaPartial>>;
    let sessionId = first;
    try {
      partial = await remoteEcdsaPartial(this.cosigner, ref, first, digest);
    } catch (err) {
      if (!(pooled && err instanceof MpcError && err.id === MpcErrorId.PresignatureUnavailable)) throw err;
      parties.pool.clear();
      sessionId = await remoteEcdsaPresign(this.cosigner, ref, parties.p1);
      partial = await remoteEcdsaPartial(this.cosigner, ref, sessionId, digest);
    }
    if (partial?.sessionId !== sessionId) throw new FailedPartial('the co-signer answered another presignature');
    return online(() => parties.p1.finish(partial, digest));
  }

  /** Cached P1/P2 objects (and their presignature pool) for a server wallet at a key version. */
  private async serverParties(server: ServerShare, version: number): Promise<ServerWalletParties> {
    const cached = this.parties.get(server.walletId);
    if (cached && cached.version === version) return cached;
    cached?.pool.stop();
    if (server.curve !== 'secp256k1') throw new Error('curve mismatch');
    const p1 = new EcdsaP1(server.ecdsa as EcdsaP1Share);
    const target = this.closed ? 0 : this.presignTarget;
    let entry: ServerWalletParties;
    if (this.local) {
      const client = await this.clientShare(server, undefined);
      if (client.curve !== 'secp256k1') throw new Error('curve mismatch');
      const p2 = new EcdsaP2(client.ecdsa as EcdsaP2Share);
      // On the compute pool's worker thread when there is one (the halves are imported into p1/p2).
      entry = { version, p1, p2, pool: new PresignaturePool(() => this.compute.ecdsaPresign(p1, p2), target) };
    } else {
      await this.ensureCosignerVersion(server.walletId, 'secp256k1', version, bytesToHex(server.ecdsa.Q.toBytes(true)));
      const ref = { walletId: server.walletId, curve: 'secp256k1' as const, version };
      entry = { version, p1, pool: new PresignaturePool(() => remoteEcdsaPresign(this.cosigner, ref, p1), target) };
    }
    this.parties.set(server.walletId, entry);
    entry.pool.refillInBackground();
    return entry;
  }

  /** Fills the presignature pool of a server wallet (e.g. right after createKey). */
  async warmUp(walletId: string, count?: number): Promise<number> {
    const server = await this.readShare(this.deps.serverStore, walletId, 'secp256k1', 'server');
    if (!server) throw walletNotFound(walletId, 'secp256k1');
    if (server.share.holder !== 'server') return 0;
    const parties = await this.serverParties(server.share as ServerShare, server.version);
    await parties.pool.fill(count);
    return parties.pool.size;
  }

  /** Presignatures currently ready for a wallet (for metrics and tests). */
  presignaturesReady(walletId: string): number {
    return this.parties.get(walletId)?.pool.size ?? 0;
  }

  /** Stops background presignature generation and drops cached parties. */
  close(): void {
    this.closed = true;
    for (const p of this.parties.values()) {
      p.pool.stop();
      p.p1.clear();
      p.p2?.clear();
    }
    this.parties.clear();
  }

  // ---- backup and recovery ------------------------------------------------------------------

  /**
   * Re-shares the current signing shares into a backup pair (same public key, independent shares).
   * The server half is sealed into the server store; the client halves are returned for offline keeping.
   * Client-held wallets must pass the current client shares' refs.
   */
  async backup(walletId: string, shareRefs: Partial<Record<Curve, string>> = {}): Promise<BackupShares> {
    const out: BackupShares = {};
    for (const curve of CURVES) {
      const server = await this.readShare(this.deps.serverStore, walletId, curve, 'server');
      if (!server) continue;
      const previous = await this.deps.serverStore.latest(walletId, curve, 'server-backup');
      const version = (previous?.version ?? 0) + 1;
      const meta = { walletId, curve, version, holder: server.share.holder, backup: true };
      const pair =
        server.share.holder === 'server' && !this.local
          ? await this.reshareWithCosigner({ kind: 'backup', walletId, curve, version }, server.share)
          : await this.reshare(server.share, await this.clientShare(server.share, shareRefs[curve]));
      const peer = clientFingerprint(meta, pair.client as EcdsaP2Share | FrostShare);
      await this.writeShare(this.deps.serverStore, 'server-backup', { ...meta, role: 'server', peer }, pair.server);
      if (previous)
        await this.deps.serverStore.delete({ walletId, curve, party: 'server-backup', version: previous.version });
      out[curve] = encodeShare({ ...meta, role: 'client' }, pair.client);
    }
    if (Object.keys(out).length === 0) throw walletNotFound(walletId, 'secp256k1');
    return out;
  }

  /**
   * Re-shares a backup pair into fresh signing shares for the SAME public key (new key version).
   * The previous signing shares stop working: the server half is deleted, and for ECDSA P1 also
   * switches to a new Paillier key, so an old client share cannot produce a valid partial signature.
   */
  async recover(walletId: string, backupShares: BackupShares): Promise<Partial<Record<Curve, RecoveredKey>>> {
    const out: Partial<Record<Curve, RecoveredKey>> = {};
    for (const curve of CURVES) {
      const text = backupShares[curve];
      if (text === undefined) continue;
      const clientBackup = await this.auditedDecode(walletId, curve, text);
      const serverBackup = await this.readShare(this.deps.serverStore, walletId, curve, 'server-backup');
      const current = await this.readShare(this.deps.serverStore, walletId, curve, 'server');
      if (!serverBackup || !current) throw walletNotFound(walletId, curve);
      if (
        clientBackup.walletId !== walletId ||
        clientBackup.curve !== curve ||
        clientBackup.role !== 'client' ||
        !clientBackup.backup ||
        clientBackup.version !== serverBackup.version
      )
        throw new MpcError(
          MpcErrorId.ShareMismatch,
          `Backup share does not belong to the current ${curve} backup of this wallet`,
        );
      await this.audited(serverBackup.share, () => assertClientBinding(serverBackup.share, clientBackup));
      const version = current.version + 1;
      const holder = current.share.holder;
      const meta = { walletId, curve, version, holder };
      if (holder === 'server' && !this.local) {
        // The co-signer re-shares from the backup into its pending share; this side stores its half, then confirms.
        const target = { kind: 'recover' as const, walletId, curve, version, backupShare: text };
        const { server: newServer } = await this.reshareWithCosigner(target, serverBackup.share, false);
        const publicKey = this.publicKeyOf(curve, newServer);
        if (publicKey !== publicKeyHex(current.share))
          throw new MpcError(MpcErrorId.BadMessage, 'Recovery changed the public key (refusing)');
        await this.writeShare(this.deps.serverStore, 'server', { ...meta, role: 'server' }, newServer);
        await this.cosigner.confirm({ walletId, curve, version, publicKey });
        this.confirmed.add(`${walletId}/${curve}/${version}`);
        await this.deps.serverStore.delete({ walletId, curve, party: 'server', version: current.version });
        if (curve === 'secp256k1') this.dropParties(walletId);
        out[curve] = { publicKey, version };
        continue;
      }
      const pair = await this.reshare(serverBackup.share, clientBackup);
      const peer = clientFingerprint(meta, pair.client as EcdsaP2Share | FrostShare);
      if (holder === 'server') {
        await this.local!.adopt({ ...meta, role: 'client' }, pair.client as EcdsaP2Share | FrostShare);
      }
      await this.writeShare(this.deps.serverStore, 'server', { ...meta, role: 'server', peer }, pair.server);
      await this.deps.serverStore.delete({ walletId, curve, party: 'server', version: current.version });
      if (curve === 'secp256k1') this.dropParties(walletId);
      const publicKey = this.publicKeyOf(curve, pair.server);
      if (publicKey !== publicKeyHex(current.share))
        throw new MpcError(MpcErrorId.BadMessage, 'Recovery changed the public key (refusing)');
      out[curve] = {
        publicKey,
        version,
        ...(holder === 'client' ? { share: encodeShare({ ...meta, role: 'client' }, pair.client) } : {}),
      };
    }
    return out;
  }

  // ---- internals ----------------------------------------------------------------------------

  private async dkg(curve: Curve): Promise<{ server: EcdsaP1Share | FrostShare; client: EcdsaP2Share | FrostShare }> {
    if (curve === 'ed25519') return runFrostDkg();
    const { p1, p2 } = await this.compute.ecdsaKeyGen(await this.freshPaillierKey());
    return { server: p1, client: p2 };
  }

  private async reshare(
    server: DecodedShare,
    client: DecodedShare,
  ): Promise<{ server: EcdsaP1Share | FrostShare; client: EcdsaP2Share | FrostShare }> {
    if (server.curve === 'ed25519' && client.curve === 'ed25519') return runFrostReshare(server.frost, client.frost);
    if (server.curve === 'secp256k1' && client.curve === 'secp256k1') {
      const { p1, p2 } = await this.compute.ecdsaReshare(
        server.ecdsa as EcdsaP1Share,
        client.ecdsa as EcdsaP2Share,
        await this.freshPaillierKey((server.ecdsa as EcdsaP1Share).paillier.n),
      );
      return { server: p1, client: p2 };
    }
    throw new MpcError(MpcErrorId.ShareMismatch, 'Server and client shares are for different curves');
  }

  /**
   * Re-sharing with the remote co-signer as the client party. `backup`: its new client half comes back (for the
   * caller), checked against this side's new half; `recover`: it keeps its half (pending) and `client` is undefined.
   */
  private async reshareWithCosigner(
    target: { kind: 'backup' | 'recover'; walletId: string; curve: Curve; version: number; backupShare?: string },
    from: DecodedShare,
    expectBackup = true,
  ): Promise<{ server: EcdsaP1Share | FrostShare; client: EcdsaP2Share | FrostShare }> {
    const run =
      from.curve === 'ed25519'
        ? await driveFrost(this.cosigner, target, from.frost)
        : await driveEcdsa(
            this.cosigner,
            target,
            await this.freshPaillierKey((from.ecdsa as EcdsaP1Share).paillier.n),
            from.ecdsa as EcdsaP1Share,
          );
    if (!expectBackup) return { server: run.share, client: undefined as never };
    const client = decodeShare(String(run.backupShare ?? ''));
    const meta = { walletId: target.walletId, curve: target.curve, version: target.version, backup: true };
    if (
      client.walletId !== meta.walletId ||
      client.curve !== meta.curve ||
      client.version !== meta.version ||
      client.role !== 'client' ||
      !client.backup
    )
      throw new MpcError(MpcErrorId.ShareMismatch, 'The co-signer returned a backup share for another key');
    const clientHalf = client.curve === 'ed25519' ? client.frost : (client.ecdsa as EcdsaP2Share);
    const server = decodeShare(
      encodeShare({ ...meta, role: 'server', holder: 'server', peer: clientFingerprint(meta, clientHalf) }, run.share),
    );
    assertClientBinding(server, client);
    return { server: run.share, client: clientHalf };
  }

  private async freshPaillierKey(notN?: bigint): Promise<PaillierKeyInput> {
    for (let i = 0; i < 8; i++) {
      const key = await (this.deps.paillierKeys ? this.deps.paillierKeys() : PaillierPrivateKey.generate());
      if (paillierKeyOf(key).n !== notN) return key;
    }
    throw new Error('Paillier key source keeps returning the current key');
  }

  private publicKeyOf(curve: Curve, share: EcdsaP1Share | FrostShare): string {
    if (curve === 'ed25519') return bytesToHex(frostPublicKey((share as FrostShare).public));
    return bytesToHex((share as EcdsaP1Share).Q.toBytes(true));
  }

  private async isLocked(walletId: string, curve: Curve): Promise<boolean> {
    return this.localLocks.has(`${walletId}/${curve}`) || (await this.guard.isLocked(walletId, curve));
  }

  /** Runs a share check; a refusal (`mpc_share_invalid` / `mpc_share_mismatch`) is reported to the guard first. */
  private async audited<T>(server: Pick<DecodedShare, 'walletId' | 'curve'>, check: () => T): Promise<T> {
    try {
      return check();
    } catch (err) {
      if (err instanceof MpcError && (err.id === MpcErrorId.ShareInvalid || err.id === MpcErrorId.ShareMismatch))
        await this.guard.refused(server.walletId, server.curve, err.id);
      throw err;
    }
  }

  private auditedDecode(walletId: string, curve: Curve, text: string): Promise<DecodedShare> {
    return this.audited({ walletId, curve }, () => decodeShare(text));
  }

  /** The client share matching a server share: from the client store (server wallets) or the caller. */
  private async clientShare(server: DecodedShare, shareRef: string | undefined): Promise<ClientShare> {
    if (server.holder === 'server') {
      if (!this.local) throw new Error('the client share of a server wallet is held by the co-signer');
      const share = await this.local.activeShare(server.walletId, server.curve);
      if (!share) throw walletNotFound(server.walletId, server.curve);
      return this.checkClient(server, share);
    }
    if (!shareRef || !this.deps.resolveClientShare)
      throw new BaseError('This wallet is client-held: a shareRef to the client share is required', {
        id: ErrorId.ShareNotConfirmed,
        kind: 'terminal',
      });
    const text = await this.deps.resolveClientShare(shareRef);
    return this.audited(server, () => this.checkClient(server, decodeShare(text)));
  }

  /** Metadata (wallet, curve, role, version), then the binding to the recorded public parts (share-binding.ts). */
  private checkClient(server: DecodedShare, client: DecodedShare): ClientShare {
    if (
      client.walletId !== server.walletId ||
      client.curve !== server.curve ||
      client.role !== 'client' ||
      client.backup
    )
      throw new MpcError(MpcErrorId.ShareMismatch, `Client share does not belong to this wallet's ${server.curve} key`);
    if (client.version !== server.version)
      throw new MpcError(
        MpcErrorId.ShareMismatch,
        `Client share is for key version ${client.version}, the wallet is at version ${server.version} (recovered?)`,
      );
    assertClientBinding(server, client);
    return client as ClientShare;
  }

  private dropParties(walletId: string): void {
    const p = this.parties.get(walletId);
    if (!p) return;
    p.pool.stop();
    p.p1.clear();
    p.p2?.clear();
    this.parties.delete(walletId);
  }

  private async writeShare(
    store: ShareStore,
    party: ShareParty,
    meta: ShareMeta,
    share: EcdsaP1Share | EcdsaP2Share | FrostShare,
  ): Promise<void> {
    const ctx = { walletId: meta.walletId, curve: meta.curve, party };
    const blob = await this.deps.envelope.sealToString(encodeShare(meta, share), ctx);
    await store.put({ walletId: meta.walletId, curve: meta.curve, party, version: meta.version }, blob);
  }

  private async readShare(
    store: ShareStore,
    walletId: string,
    curve: Curve,
    party: ShareParty,
  ): Promise<{ version: number; share: DecodedShare } | undefined> {
    const row = await store.latest(walletId, curve, party);
    if (!row) return undefined;
    const share = decodeShare(await this.deps.envelope.openFromString(row.blob, { walletId, curve, party }));
    if (share.walletId !== walletId || share.curve !== curve || share.version !== row.version)
      throw new MpcError(MpcErrorId.ShareMismatch, 'Stored share does not match its row');
    return { version: row.version, share };
  }

  private isValid(curve: Curve, publicKey: string, payloadHex: string, sig: Signature): boolean {
    let ok = verifySignature(curve, publicKey, payloadHex, sig);
    if (ok && curve === 'secp256k1') {
      const rec = Uint8Array.of(sig.recovery ?? 255, ...hexToBytes(sig.signature));
      try {
        ok = bytesToHex(secp256k1.recoverPublicKey(rec, hexToBytes(payloadHex), { prehash: false })) === publicKey;
      } catch {
        ok = false;
      }
    }
    if (ok && curve === 'ed25519')
      ok = ed25519.verify(hexToBytes(sig.signature), hexToBytes(payloadHex), hexToBytes(publicKey));
    return ok;
  }
}

/**
 * The online step (the other party's partial signature, the final combination and its verification): any protocol
 * failure here is a bad partial signature, which locks the wallet. A consumed presignature is not one.
 */
function online<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof MpcError && err.id !== MpcErrorId.PresignatureUnavailable) throw new FailedPartial(err.id);
    throw err;
  }
}
