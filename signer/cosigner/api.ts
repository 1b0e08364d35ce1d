/**
 * What the co-signer (the second party of server wallets) answers: the client party's half of every protocol
 * (key generation, re-sharing for backup and recovery, ECDSA presignatures and partial signatures, FROST
 * commitments and signature shares), message by message. The main service plays the server party and drives.
 *
 * Two implementations: `LocalCosigner` (local.ts: the party itself, over its own share store) and
 * `CosignerClient` (client.ts: the same calls over the authenticated HTTP channel to `npm run cosigner`, whose
 * server wraps a `LocalCosigner`). Every request and response is plain JSON.
 */
import type { Curve } from '../../chains/types.js';

/** A key-generation or re-sharing run, one message at a time (state kept by the co-signer under `sessionId`). */
export type SessionKind = 'keygen' | 'backup' | 'recover';

export interface SessionStart {
  sessionId: string;
  kind: SessionKind;
  walletId: string;
  curve: Curve;
  /** Key version the run produces (keygen: 1; recover: current + 1; backup: the backup generation). */
  version: number;
  /** recover: the caller's client backup share (serialised) the co-signer re-shares from. */
  backupShare?: string;
  /** The server party's first message. */
  msg: unknown;
}

export interface SessionStep {
  sessionId: string;
  msg: unknown;
}

export interface SessionReply {
  msg?: unknown;
  /** Set by the last step: the run's public key and, for a backup, the client backup share for the caller. */
  done?: { publicKey: string; backupShare?: string };
}

export interface ShareRef {
  walletId: string;
  curve: Curve;
  version: number;
}

export interface Cosigner {
  sessionStart(req: SessionStart): Promise<SessionReply>;
  sessionStep(req: SessionStep): Promise<SessionReply>;
  /**
   * The server party stored its half of a keygen/recover run: the co-signer's pending share becomes the active one
   * (older versions are retired). Idempotent; refused unless the public key matches.
   */
  confirm(req: ShareRef & { publicKey: string }): Promise<void>;
  /** ECDSA nonce exchange, P2's side: `nonceRespond` then `nonceFinish` (its presignature, kept by the co-signer). */
  ecdsaPresign1(req: ShareRef & { msg: unknown }): Promise<{ msg: unknown }>;
  ecdsaPresign2(req: ShareRef & { msg: unknown }): Promise<void>;
  /** P2's partial signature `c3` for a 32-byte digest (hex) on a presignature. Logged by the co-signer. */
  ecdsaPartial(req: ShareRef & { sessionId: string; digest: string }): Promise<{ msg: unknown }>;
  /** FROST round 1 for a session, then round 2 (the co-signer checks its own commitment is in the list). */
  frostCommit(req: ShareRef & { sessionId: string }): Promise<{ msg: unknown }>;
  frostSign(req: ShareRef & { sessionId: string; commitments: unknown[]; message: string }): Promise<{ msg: unknown }>;
  /** The active key version for a wallet and curve (undefined: none). */
  activeVersion(req: { walletId: string; curve: Curve }): Promise<{ version: number | null }>;
}

/** The operations, as the HTTP server routes them (`POST /v1/<op>`). */
export const COSIGNER_OPS = [
  'sessionStart',
  'sessionStep',
  'confirm',
  'ecdsaPresign1',
  'ecdsaPresign2',
  'ecdsaPartial',
  'frostCommit',
  'frostSign',
  'activeVersion',
] as const satisfies readonly (keyof Cosigner)[];
export type CosignerOp = (typeof COSIGNER_OPS)[number];
