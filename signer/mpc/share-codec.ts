/**
 * JSON serialisation of key shares (bigints and bytes as hex). A serialised share carries its
 * wallet, curve, role and key version so a share presented for the wrong wallet — or an old share
 * after recovery — is rejected before any protocol runs.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Curve } from '../../chains/types.js';
import { fromHex, toHex } from './bigint.js';
import type { EcdsaP1Share, EcdsaP2Share } from './ecdsa2p.js';
import { MpcError, MpcErrorId } from './errors.js';
import type { FrostPublic, FrostShare } from './frost.js';
import { PaillierPrivateKey } from './paillier.js';
import { pointFromHex, pointToHex } from './secp.js';

/** Who holds the client share: `server` (both shares server-side) or `client` (handed to the caller). */
export type WalletHolder = 'server' | 'client';
export type ShareRole = 'server' | 'client';

export interface ShareMeta {
  walletId: string;
  curve: Curve;
  role: ShareRole;
  /** Key version (1 after DKG, +1 per recovery). Backup shares carry the backup generation. */
  version: number;
  holder: WalletHolder;
  backup?: boolean;
}

export type DecodedShare =
  | (ShareMeta & { curve: 'secp256k1'; role: 'server'; ecdsa: EcdsaP1Share })
  | (ShareMeta & { curve: 'secp256k1'; role: 'client'; ecdsa: EcdsaP2Share })
  | (ShareMeta & { curve: 'ed25519'; frost: FrostShare });

const FORMAT = 'chainflow-mpc-share/v1';

/** P1's ECDSA share as plain JSON (hex), without metadata: the body of a server share, and what crosses a thread. */
export interface EcdsaP1ShareJson {
  x1: string;
  Q: string;
  Q1: string;
  paillier: { p: string; q: string };
}

/** P2's ECDSA share as plain JSON (hex), without metadata. */
export interface EcdsaP2ShareJson {
  x2: string;
  Q: string;
  Q1: string;
  Q2: string;
  n: string;
  ckey: string;
}

export function ecdsaP1ShareToJson(s: EcdsaP1Share): EcdsaP1ShareJson {
  return { x1: toHex(s.x1), Q: pointToHex(s.Q), Q1: pointToHex(s.Q1), paillier: s.paillier.toJSON() };
}

export function ecdsaP2ShareToJson(s: EcdsaP2Share): EcdsaP2ShareJson {
  return {
    x2: toHex(s.x2),
    Q: pointToHex(s.Q),
    Q1: pointToHex(s.Q1),
    Q2: pointToHex(s.Q2),
    n: toHex(s.n),
    ckey: toHex(s.ckey),
  };
}

/** Parses and validates (points on the curve, hex integers); throws a codec error naming the field, never a value. */
export function ecdsaP1ShareFromJson(e: EcdsaP1ShareJson): EcdsaP1Share {
  return {
    x1: fromHex(e.x1, 'x1'),
    Q: pointFromHex(e.Q, 'Q'),
    Q1: pointFromHex(e.Q1, 'Q1'),
    paillier: PaillierPrivateKey.fromJSON(e.paillier),
  };
}

export function ecdsaP2ShareFromJson(e: EcdsaP2ShareJson): EcdsaP2Share {
  return {
    x2: fromHex(e.x2, 'x2'),
    Q: pointFromHex(e.Q, 'Q'),
    Q1: pointFromHex(e.Q1, 'Q1'),
    Q2: pointFromHex(e.Q2, 'Q2'),
    n: fromHex(e.n, 'n'),
    ckey: fromHex(e.ckey, 'ckey'),
  };
}

export function encodeEcdsaServerShare(meta: ShareMeta, s: EcdsaP1Share): string {
  return JSON.stringify({ format: FORMAT, ...meta, ecdsa: ecdsaP1ShareToJson(s) });
}

export function encodeEcdsaClientShare(meta: ShareMeta, s: EcdsaP2Share): string {
  return JSON.stringify({ format: FORMAT, ...meta, ecdsa: ecdsaP2ShareToJson(s) });
}

export function encodeFrostShare(meta: ShareMeta, s: FrostShare): string {
  return JSON.stringify({
    format: FORMAT,
    ...meta,
    frost: {
      identifier: s.identifier,
      signingShare: bytesToHex(s.signingShare),
      public: {
        signers: s.public.signers,
        commitments: s.public.commitments.map((c) => bytesToHex(c)),
        verifyingShares: Object.fromEntries(
          Object.entries(s.public.verifyingShares).map(([k, v]) => [k, bytesToHex(v)]),
        ),
      },
    },
  });
}

export function encodeShare(meta: ShareMeta, share: EcdsaP1Share | EcdsaP2Share | FrostShare): string {
  if (meta.curve === 'ed25519') return encodeFrostShare(meta, share as FrostShare);
  return meta.role === 'server'
    ? encodeEcdsaServerShare(meta, share as EcdsaP1Share)
    : encodeEcdsaClientShare(meta, share as EcdsaP2Share);
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON is validated field by field below.
type Json = any;

export function decodeShare(text: string): DecodedShare {
  let v: Json;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MpcError(MpcErrorId.ShareMismatch, 'Key share is not valid JSON');
  }
  try {
    if (v?.format !== FORMAT) throw new Error('unknown format');
    const meta: ShareMeta = {
      walletId: String(v.walletId),
      curve: v.curve,
      role: v.role,
      version: Number(v.version),
      holder: v.holder,
      ...(v.backup ? { backup: true } : {}),
    };
    if (meta.curve !== 'secp256k1' && meta.curve !== 'ed25519') throw new Error('bad curve');
    if (meta.role !== 'server' && meta.role !== 'client') throw new Error('bad role');
    if (meta.holder !== 'server' && meta.holder !== 'client') throw new Error('bad holder');
    if (!Number.isSafeInteger(meta.version) || meta.version < 1) throw new Error('bad version');
    if (meta.curve === 'ed25519') {
      const f = v.frost;
      const pub = {
        signers: { min: Number(f.public.signers.min), max: Number(f.public.signers.max) },
        commitments: (f.public.commitments as string[]).map((c) => hexToBytes(c)),
        verifyingShares: Object.fromEntries(
          Object.entries(f.public.verifyingShares as Record<string, string>).map(([k, x]) => [k, hexToBytes(x)]),
        ),
      } as FrostPublic;
      return {
        ...meta,
        curve: 'ed25519',
        frost: { identifier: String(f.identifier), signingShare: hexToBytes(f.signingShare), public: pub },
      };
    }
    if (meta.role === 'server')
      return { ...meta, curve: 'secp256k1', role: 'server', ecdsa: ecdsaP1ShareFromJson(v.ecdsa) };
    return { ...meta, curve: 'secp256k1', role: 'client', ecdsa: ecdsaP2ShareFromJson(v.ecdsa) };
  } catch (err) {
    if (err instanceof MpcError) throw err;
    throw new MpcError(MpcErrorId.ShareMismatch, 'Key share is malformed');
  }
}
