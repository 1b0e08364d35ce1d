/**
 * JSON serialisation of key shares (bigints and bytes as hex). A serialised share carries its
 * wallet, curve, role and key version so a share presented for the wrong wallet — or an old share
 * after recovery — is rejected before any protocol runs.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Curve } from '../../chains/types.js';
import { bitLength, fromHex, toHex } from './bigint.js';
import type { EcdsaP1Share, EcdsaP2Share } from './ecdsa2p.js';
import { MpcError, MpcErrorId } from './errors.js';
import { FROST_IDS, type FrostPublic, type FrostShare } from './frost.js';
import { PaillierPrivateKey } from './paillier.js';
import { MAX_PAILLIER_BITS, MIN_PAILLIER_BITS } from './paillier-proofs.js';
import { pointFromHex, pointToHex, q } from './secp.js';

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
  /**
   * Server shares only: the fingerprint of the matching client share's public parts (share-binding.ts), recorded
   * when the pair was made. Sealed with the server share, so neither the client nor a database writer can change it.
   */
  peer?: string;
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

/** A bound that a client share's field breaks: named in the error, the value never is. */
class FieldError extends Error {}

function bounded(v: unknown, what: string, maxBits: number): bigint {
  try {
    return fromHex(v, what, maxBits);
  } catch {
    throw new FieldError(`${what} is not a hex integer of at most ${maxBits} bits`);
  }
}

/**
 * P2's share comes from the client: every integer is bound-checked before any arithmetic uses it (an N of 16k bits
 * would cost seconds per exponentiation), and every point is checked to be on the curve.
 */
export function ecdsaP2ShareFromJson(e: EcdsaP2ShareJson): EcdsaP2Share {
  const n = bounded(e?.n, 'n', MAX_PAILLIER_BITS);
  if (bitLength(n) < MIN_PAILLIER_BITS || n % 2n === 0n) throw new FieldError('n is not a Paillier modulus');
  const ckey = bounded(e.ckey, 'ckey', 2 * bitLength(n));
  if (ckey <= 0n || ckey >= n * n) throw new FieldError('ckey is not below N²');
  const x2 = bounded(e.x2, 'x2', 256);
  if (x2 <= 0n || x2 >= q) throw new FieldError('x2 is not a non-zero scalar');
  return { x2, Q: pointFromHex(e.Q, 'Q'), Q1: pointFromHex(e.Q1, 'Q1'), Q2: pointFromHex(e.Q2, 'Q2'), n, ckey };
}

const FROST_IDENTIFIERS: readonly string[] = [FROST_IDS.server, FROST_IDS.client];

function frostBytes(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/i.test(v)) throw new FieldError(`${what} is not 32 bytes of hex`);
  return hexToBytes(v);
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON, validated field by field.
function frostShareFromJson(f: any): FrostShare {
  const identifier = f?.identifier;
  if (!FROST_IDENTIFIERS.includes(identifier)) throw new FieldError('frost.identifier is unknown');
  const p = f.public;
  if (Number(p?.signers?.min) !== 2 || Number(p?.signers?.max) !== 2)
    throw new FieldError('frost signers must be 2-of-2');
  if (!Array.isArray(p.commitments) || p.commitments.length !== 2) throw new FieldError('frost.commitments length');
  const vs = p.verifyingShares;
  const ids = vs && typeof vs === 'object' ? Object.keys(vs).sort() : [];
  if (ids.length !== 2 || ids.some((id) => !FROST_IDENTIFIERS.includes(id)))
    throw new FieldError('frost.verifyingShares must name the two participants');
  return {
    identifier,
    signingShare: frostBytes(f.signingShare, 'frost.signingShare'),
    public: {
      signers: { min: 2, max: 2 },
      commitments: (p.commitments as unknown[]).map((c) => frostBytes(c, 'frost.commitments')),
      verifyingShares: Object.fromEntries(ids.map((id) => [id, frostBytes(vs[id], 'frost.verifyingShares')])),
    } as FrostPublic,
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

/** Parses a share; a malformed share or one whose numbers are out of bounds is `mpc_share_invalid`. */
export function decodeShare(text: string): DecodedShare {
  let v: Json;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MpcError(MpcErrorId.ShareInvalid, 'Key share is not valid JSON');
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
      ...(typeof v.peer === 'string' ? { peer: v.peer } : {}),
    };
    if (meta.curve !== 'secp256k1' && meta.curve !== 'ed25519') throw new Error('bad curve');
    if (meta.role !== 'server' && meta.role !== 'client') throw new Error('bad role');
    if (meta.holder !== 'server' && meta.holder !== 'client') throw new Error('bad holder');
    if (!Number.isSafeInteger(meta.version) || meta.version < 1) throw new Error('bad version');
    if (meta.curve === 'ed25519') return { ...meta, curve: 'ed25519', frost: frostShareFromJson(v.frost) };
    if (meta.role === 'server')
      return { ...meta, curve: 'secp256k1', role: 'server', ecdsa: ecdsaP1ShareFromJson(v.ecdsa) };
    return { ...meta, curve: 'secp256k1', role: 'client', ecdsa: ecdsaP2ShareFromJson(v.ecdsa) };
  } catch (err) {
    if (err instanceof FieldError) throw new MpcError(MpcErrorId.ShareInvalid, `Key share refused: ${err.message}`);
    if (err instanceof MpcError) throw new MpcError(MpcErrorId.ShareInvalid, `Key share refused: ${err.shortMessage}`);
    throw new MpcError(MpcErrorId.ShareInvalid, 'Key share is malformed');
  }
}
