/**
 * Binds a client share to what the server recorded when the pair was made (key generation, backup, recovery).
 *
 * A client-held share comes back on every request; its public parts (ECDSA: N, c_key, Q, Q1, Q2; FROST: the
 * public package) are attacker-controlled input. An edited share (e.g. c_key' = c_key^a · Enc(−q·t),
 * x2' = x2·a⁻¹) turns signing into a threshold oracle on x1, so before any protocol step the server checks:
 * - the public parts agree with its own share (same N, Q, Q1; Q2·x1 = Q; FROST: the same public package);
 * - the client's secret matches its public part (x2·G = Q2; FROST: s2·G = the client's verifying share);
 * - the fingerprint of the public parts equals the one sealed into the server share (`ShareMeta.peer`), which fixes
 *   c_key exactly. Server shares written before fingerprints existed are checked by decryption instead:
 *   Dec(c_key) = x1 (cost bounded: N is the server's own, compared first).
 * Every failure is the same `mpc_share_invalid` with the same message, whichever check failed.
 */
import { timingSafeEqual } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { EcdsaP1Share, EcdsaP2Share } from './ecdsa2p.js';
import { MpcError, MpcErrorId } from './errors.js';
import { FROST_IDS, type FrostShare, frostShareMatchesPublic } from './frost.js';
import { hashParts } from './hash.js';
import { G, pointToHex } from './secp.js';
import type { DecodedShare, ShareMeta } from './share-codec.js';

type BindingMeta = Pick<ShareMeta, 'walletId' | 'curve' | 'version' | 'backup'>;

/** SHA-256 (hex) of a client share's public parts and identity (wallet, curve, key version, backup or not). */
export function clientFingerprint(meta: BindingMeta, share: EcdsaP2Share | FrostShare): string {
  const head = [meta.walletId, meta.curve, meta.version, meta.backup ? 1 : 0] as const;
  if (meta.curve === 'ed25519') {
    const f = share as FrostShare;
    const ids = Object.keys(f.public.verifyingShares).sort();
    return bytesToHex(
      hashParts(
        'client-share-binding/ed25519',
        ...head,
        f.identifier,
        ...f.public.commitments,
        ...ids.flatMap((id) => [id, f.public.verifyingShares[id] as Uint8Array]),
      ),
    );
  }
  const e = share as EcdsaP2Share;
  return bytesToHex(
    hashParts(
      'client-share-binding/secp256k1',
      ...head,
      e.n,
      e.ckey,
      pointToHex(e.Q),
      pointToHex(e.Q1),
      pointToHex(e.Q2),
    ),
  );
}

function refused(): MpcError {
  return new MpcError(
    MpcErrorId.ShareInvalid,
    'Client share refused: its public parts are not the ones recorded for this wallet key',
  );
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && timingSafeEqual(a, b);

/** Throws `mpc_share_invalid` unless `client` is the share recorded with `server` (metadata is checked elsewhere). */
export function assertClientBinding(server: DecodedShare, client: DecodedShare): void {
  if (server.curve === 'ed25519' && client.curve === 'ed25519') {
    assertFrost(server, client);
    return;
  }
  if (
    server.curve === 'secp256k1' &&
    client.curve === 'secp256k1' &&
    server.role === 'server' &&
    client.role === 'client'
  ) {
    assertEcdsa(server, server.ecdsa, client, client.ecdsa);
    return;
  }
  throw refused();
}

function assertEcdsa(server: ShareMeta, p1: EcdsaP1Share, meta: ShareMeta, p2: EcdsaP2Share): void {
  // Cheapest first: comparisons and one hash refuse an edited share before any group or Paillier operation.
  if (p2.n !== p1.paillier.n || !p2.Q.equals(p1.Q) || !p2.Q1.equals(p1.Q1)) throw refused();
  if (server.peer !== undefined && !sameHex(clientFingerprint(meta, p2), server.peer)) throw refused();
  if (!p2.Q2.multiply(p1.x1).equals(p1.Q) || !G.multiply(p2.x2).equals(p2.Q2)) throw refused();
  if (
    server.peer === undefined &&
    (!p1.paillier.publicKey.isCiphertext(p2.ckey) || p1.paillier.decrypt(p2.ckey) !== p1.x1)
  )
    throw refused();
}

function assertFrost(server: DecodedShare & { curve: 'ed25519' }, client: DecodedShare & { curve: 'ed25519' }): void {
  const s = server.frost.public;
  const c = client.frost.public;
  const ids = [FROST_IDS.server, FROST_IDS.client];
  if (
    client.frost.identifier !== FROST_IDS.client ||
    s.commitments.length !== c.commitments.length ||
    s.commitments.some((x, i) => !sameBytes(x, c.commitments[i])) ||
    ids.some((id) => !sameBytes(s.verifyingShares[id], c.verifyingShares[id])) ||
    !frostShareMatchesPublic(client.frost)
  )
    throw refused();
  if (server.peer !== undefined && !sameHex(clientFingerprint(client, client.frost), server.peer)) throw refused();
}
