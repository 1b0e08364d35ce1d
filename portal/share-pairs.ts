/**
 * Portal's share pairs: each client share handed out (generate, recover: `signing`; backup: `backup`) has a pair
 * id. A pair starts `incomplete`; the client reports that it stored its share — signing pairs with
 * `PATCH /api/v3/clients/me/signing-share-pairs` (status STORED_CLIENT), backup pairs with
 * `PATCH /api/v3/clients/me/backup-share-pairs` (STORED_CLIENT_BACKUP_SHARE or STORED_CLIENT_BACKUP_SHARE_KEY) — and a
 * signing share can sign only once its pair is confirmed. Recovery retires the previous version's signing pairs.
 */
import { randomBytes } from 'node:crypto';
import type { Curve } from '../chains/types.js';
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { MpcErrorId } from '../signer/mpc/errors.js';

export type PairKind = 'signing' | 'backup';
/** The statuses a client may report per pair kind (Portal's v3 client API). */
export const STORED_STATUSES = {
  signing: ['STORED_CLIENT'],
  backup: ['STORED_CLIENT_BACKUP_SHARE', 'STORED_CLIENT_BACKUP_SHARE_KEY'],
} as const satisfies Record<PairKind, readonly string[]>;
const SIGNING_CONFIRMED = STORED_STATUSES.signing[0];

type Db = PrismaClient | Prisma.TransactionClient;

/** Portal-like opaque ids (`cm…`, 25 characters). */
function pairId(): string {
  return `cm${randomBytes(16).toString('base64url').replace(/[-_]/g, '').toLowerCase().slice(0, 23).padEnd(23, '0')}`;
}

export async function createPair(
  db: Db,
  walletId: string,
  curve: Curve,
  keyVersion: number,
  kind: PairKind,
): Promise<string> {
  const id = pairId();
  await db.signingSharePair.upsert({
    where: { walletId_curve_kind_keyVersion: { walletId, curve, kind, keyVersion } },
    create: { id, walletId, curve, keyVersion, kind },
    update: { id, status: 'incomplete', confirmedAt: null },
  });
  return id;
}

/**
 * Marks `kind` pairs of `walletId` as stored by the client, all or none. Unknown ids (or another wallet's) → 404;
 * a pair of the other kind, a retired pair or a status that is not one of the kind's → 400.
 */
export async function confirmPairs(
  prisma: PrismaClient,
  walletId: string,
  kind: PairKind,
  ids: string[],
  status: string,
  at: Date,
): Promise<number> {
  const allowed: readonly string[] = STORED_STATUSES[kind];
  if (!allowed.includes(status))
    throw new BaseError(`${kind} share pairs are confirmed with status ${allowed.join(' or ')}`, {
      id: ErrorId.BadRequest,
      kind: 'terminal',
    });
  const pairs = await prisma.signingSharePair.findMany({ where: { id: { in: ids }, walletId } });
  if (pairs.length !== new Set(ids).size)
    throw new BaseError(`${kind} share pair not found`, { id: ErrorId.NotFound, kind: 'terminal' });
  for (const p of pairs) {
    if (p.kind !== kind)
      throw new BaseError(
        `${p.id} is a ${p.kind} share pair: confirm it with PATCH /api/v3/clients/me/${p.kind}-share-pairs`,
        {
          id: ErrorId.BadRequest,
          kind: 'terminal',
        },
      );
    if (p.status === 'retired')
      throw new BaseError('this share pair was replaced by a recovery', { id: ErrorId.BadRequest, kind: 'terminal' });
  }
  const { count } = await prisma.signingSharePair.updateMany({
    where: { id: { in: ids }, walletId, kind },
    data: { status, confirmedAt: at },
  });
  return count;
}

/** Throws unless the signing pair of this share version is confirmed. */
export async function requireConfirmedSigningPair(
  prisma: PrismaClient,
  walletId: string,
  curve: Curve,
  keyVersion: number,
): Promise<void> {
  const pair = await prisma.signingSharePair.findUnique({
    where: { walletId_curve_kind_keyVersion: { walletId, curve, kind: 'signing', keyVersion } },
  });
  if (!pair) throw new BaseError('wallet not found', { id: ErrorId.WalletNotFound, kind: 'terminal' });
  if (pair.status === 'retired')
    throw new BaseError('this share was replaced by a recovery; use the recovered share', {
      id: MpcErrorId.ShareMismatch,
      kind: 'terminal',
    });
  if (pair.status !== SIGNING_CONFIRMED)
    throw new BaseError(`share pair ${pair.id} is not confirmed: PATCH its status to STORED_CLIENT first`, {
      id: ErrorId.ShareNotConfirmed,
      kind: 'terminal',
    });
}

export async function retirePairsBefore(db: Db, walletId: string, curve: Curve, keyVersion: number): Promise<void> {
  await db.signingSharePair.updateMany({
    where: { walletId, curve, kind: 'signing', keyVersion: { lt: keyVersion } },
    data: { status: 'retired' },
  });
}
