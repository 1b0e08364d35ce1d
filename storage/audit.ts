/**
 * The audit trail of security-relevant events (table `AuditEvent`), per tenant, append-only. An event names what
 * happened, to which wallet and curve, and who caused it (credential kind and id, or `system`); `details` holds
 * non-secret facts only (error ids, labels), never a share, a token or a key.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export const AUDIT_EVENT_TYPES = [
  'key_generated',
  'backup',
  'recover',
  'signing_refused',
  'wallet_locked',
  'wallet_unlocked',
  'credential_created',
  'credential_revoked',
  'webhook_endpoint_disabled',
  'rate_limited',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditActor {
  kind: 'server' | 'client_session' | 'client_test' | 'system';
  id?: string;
}

export const SYSTEM_ACTOR: AuditActor = { kind: 'system' };

/** The actor of an authenticated request: the credential's kind and id (never the token). */
export function actorOf(auth: { kind: Exclude<AuditActor['kind'], 'system'>; keyId: string } | undefined): AuditActor {
  return auth ? { kind: auth.kind, id: auth.keyId } : SYSTEM_ACTOR;
}

export interface AuditEventInput {
  tenantId: string;
  type: AuditEventType;
  actor: AuditActor;
  walletId?: string;
  curve?: string;
  details?: Record<string, string | number | boolean>;
}

type Db = PrismaClient | Prisma.TransactionClient;

export async function recordAudit(db: Db, e: AuditEventInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      id: `aud_${randomUUID()}`,
      tenantId: e.tenantId,
      type: e.type,
      actorKind: e.actor.kind,
      actorId: e.actor.id ?? null,
      walletId: e.walletId ?? null,
      curve: e.curve ?? null,
      ...(e.details ? { details: e.details } : {}),
    },
  });
}

export interface AuditEventView {
  id: string;
  type: string;
  walletId: string | null;
  curve: string | null;
  actor: { kind: string; id: string | null };
  details: unknown;
  createdAt: string;
}

export interface AuditQuery {
  limit: number;
  /** From a previous page's `nextCursor`: events older than that page's last one. */
  cursor?: bigint;
  type?: string;
  walletId?: string;
}

/** A tenant's events, newest first, with the cursor of the next (older) page. */
export async function listAuditEvents(
  prisma: PrismaClient,
  tenantId: string,
  q: AuditQuery,
): Promise<{ events: AuditEventView[]; nextCursor: bigint | null }> {
  const rows = await prisma.auditEvent.findMany({
    where: {
      tenantId,
      ...(q.cursor !== undefined ? { seq: { lt: q.cursor } } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.walletId ? { walletId: q.walletId } : {}),
    },
    orderBy: { seq: 'desc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    events: page.map((r) => ({
      id: r.id,
      type: r.type,
      walletId: r.walletId,
      curve: r.curve,
      actor: { kind: r.actorKind, id: r.actorId },
      details: r.details ?? null,
      createdAt: r.createdAt.toISOString(),
    })),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.seq ?? null) : null,
  };
}
