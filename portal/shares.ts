/**
 * Client shares on the wire (Portal style): base64 of the signer's JSON share encoding, tagged with the
 * Portal curve names `SECP256K1` / `ED25519`. Parsing reads only the share's metadata (wallet, curve,
 * role, key version) to route and authorise a request; the MPC signer does the full decoding. Error
 * messages never quote the share.
 */
import type { Curve } from '../chains/types.js';
import { badRequest } from '../errors/codes.js';

export type PortalCurve = 'SECP256K1' | 'ED25519';
export const PORTAL_CURVES: readonly PortalCurve[] = ['SECP256K1', 'ED25519'];

export function toCurve(portal: string): Curve {
  if (portal === 'SECP256K1') return 'secp256k1';
  if (portal === 'ED25519') return 'ed25519';
  throw badRequest('curve must be SECP256K1 or ED25519');
}

export function toPortalCurve(curve: Curve): PortalCurve {
  return curve === 'secp256k1' ? 'SECP256K1' : 'ED25519';
}

export interface ShareInfo {
  /** The signer's JSON encoding of the share (what the vault stores, sealed). */
  json: string;
  walletId: string;
  curve: Curve;
  version: number;
  backup: boolean;
}

/** Wire form handed to clients. */
export function toWireShare(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64');
}

/** Accepts the wire form (base64) or the raw JSON encoding; checks it is a client share. */
export function parseClientShare(text: string, field = 'share'): ShareInfo {
  const trimmed = text.trim();
  const json = trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
  let v: Record<string, unknown> | undefined;
  try {
    v = JSON.parse(json) as Record<string, unknown>;
  } catch {
    v = undefined; // no cause: JSON.parse messages quote the input
  }
  const curve = v?.curve;
  const version = Number(v?.version);
  if (
    v?.format !== 'chainflow-mpc-share/v1' ||
    v.role !== 'client' ||
    typeof v.walletId !== 'string' ||
    (curve !== 'secp256k1' && curve !== 'ed25519') ||
    !Number.isSafeInteger(version) ||
    version < 1
  ) {
    throw badRequest(`${field} is not a client MPC share`);
  }
  return { json, walletId: v.walletId, curve, version, backup: v.backup === true };
}

/**
 * `generateResponse` / `backupResponse`: the JSON (object or JSON string) of a generate/backup/recover
 * response, `{ SECP256K1: { share, id }, ED25519: { share, id } }`.
 */
export function parseShareResponse(value: unknown, field: string): Partial<Record<Curve, ShareInfo>> {
  let obj = value;
  if (typeof value === 'string') {
    try {
      obj = JSON.parse(value);
    } catch {
      throw badRequest(`${field} is not valid JSON`);
    }
  }
  if (!obj || typeof obj !== 'object') throw badRequest(`${field} must be an object`);
  const out: Partial<Record<Curve, ShareInfo>> = {};
  for (const portal of PORTAL_CURVES) {
    const entry = (obj as Record<string, unknown>)[portal] as { share?: unknown } | undefined;
    if (entry === undefined) continue;
    if (typeof entry?.share !== 'string') throw badRequest(`${field}.${portal}.share must be a string`);
    const info = parseClientShare(entry.share, `${field}.${portal}.share`);
    if (info.curve !== toCurve(portal)) throw badRequest(`${field}.${portal}.share is a ${info.curve} share`);
    out[info.curve] = info;
  }
  if (Object.keys(out).length === 0) throw badRequest(`${field} has no SECP256K1 or ED25519 share`);
  return out;
}
