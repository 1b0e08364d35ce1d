/**
 * Portal's credential model (seeds 001 and 004) on top of the server API keys of api/auth.ts.
 *
 * - Client Session Token (CST): issued to a client by a server key. Stored as a SHA-256 hash with a
 *   12-character lookup prefix. Valid for 24 h after its last authenticated use: every use slides the
 *   expiry to 24 h from that request, but never past 7 days from issue. Expired → the resolver declines,
 *   and the API answers 401 INVALID_API_KEY (the signal to fetch a new CST).
 * - Test client API key: an ApiKey of kind `client_test` bound to one client (so to its one wallet);
 *   same permissions as a CST, never expires (revocable). Resolved by the server key resolver.
 *
 * Time comes from an injected `now()` so the expiry rules are tested with a fake clock.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type CredentialResolver, generateApiKey, hashSecret, keyPrefix } from '../api/auth.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;

export type { Clock } from './clock.js';

import type { Clock } from './clock.js';
export const systemClock: Clock = () => new Date();

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

function newSessionToken(): string {
  return `cfcs_${randomBytes(32).toString('base64url')}`;
}

export interface IssuedSession {
  clientSessionToken: string;
  expiresAt: Date;
  maxExpiresAt: Date;
}

/** A fresh CST for `clientId` (older CSTs stay valid until they expire). */
export async function issueClientSession(prisma: PrismaClient, clientId: string, now: Clock): Promise<IssuedSession> {
  for (let attempt = 0; ; attempt++) {
    const token = newSessionToken();
    const issuedAt = now();
    const expiresAt = new Date(issuedAt.getTime() + SESSION_IDLE_MS);
    const hardExpiresAt = new Date(issuedAt.getTime() + SESSION_MAX_MS);
    try {
      await prisma.clientSession.create({
        data: {
          id: randomUUID(),
          clientId,
          prefix: keyPrefix(token),
          hash: hashSecret(token),
          issuedAt,
          expiresAt,
          hardExpiresAt,
        },
      });
      return { clientSessionToken: token, expiresAt, maxExpiresAt: hardExpiresAt };
    } catch (err) {
      // A prefix collision (unique index) is astronomically rare; try a new token once.
      if (attempt >= 1) throw err;
    }
  }
}

/** Resolves a CST and slides its expiry (24 h from now, capped at 7 days from issue). */
export function clientSessionResolver(prisma: PrismaClient, now: Clock): CredentialResolver {
  return async (token) => {
    if (!token.startsWith('cfcs_')) return undefined;
    const row = await prisma.clientSession.findUnique({
      where: { prefix: keyPrefix(token) },
      include: { client: true },
    });
    if (!row || row.revokedAt || !sameHash(row.hash, hashSecret(token))) return undefined;
    const at = now();
    if (at.getTime() >= row.expiresAt.getTime() || at.getTime() >= row.hardExpiresAt.getTime()) return undefined;
    const slid = new Date(Math.min(at.getTime() + SESSION_IDLE_MS, row.hardExpiresAt.getTime()));
    // Conditional update: a concurrent request that already slid further is not moved back.
    await prisma.clientSession.updateMany({
      where: { id: row.id, expiresAt: { lt: slid } },
      data: { expiresAt: slid },
    });
    return { tenantId: row.client.tenantId, kind: 'client_session', keyId: row.id, clientId: row.clientId };
  };
}

/** Creates a client of `tenantId` with its first CST (POST /api/v1/custodians/clients). */
export async function createClient(
  prisma: PrismaClient,
  tenantId: string,
  now: Clock,
): Promise<{ id: string } & IssuedSession> {
  const id = `cli_${randomUUID()}`;
  await prisma.client.create({ data: { id, tenantId } });
  return { id, ...(await issueClientSession(prisma, id, now)) };
}

/** A test client API key for one client; the plain key is returned once, only its hash is stored. */
export async function createTestClientKey(
  prisma: PrismaClient,
  tenantId: string,
  clientId: string,
  label?: string,
): Promise<{ id: string; clientApiKey: string }> {
  const key = generateApiKey('ck');
  const id = randomUUID();
  await prisma.apiKey.create({
    data: {
      id,
      tenantId,
      prefix: keyPrefix(key),
      hash: hashSecret(key),
      kind: 'client_test',
      clientId,
      label: label ?? 'test client API key',
    },
  });
  return { id, clientApiKey: key };
}

/** Revokes every live Client Session Token of a client (they answer 401 at once); returns how many. */
export async function revokeClientSessions(prisma: PrismaClient, clientId: string, at: Date): Promise<number> {
  const { count } = await prisma.clientSession.updateMany({
    where: { clientId, revokedAt: null },
    data: { revokedAt: at },
  });
  return count;
}

/** Revokes one test client API key of a client; false when the client has no such live key. */
export async function revokeTestClientKey(
  prisma: PrismaClient,
  clientId: string,
  keyId: string,
  at: Date,
): Promise<boolean> {
  const { count } = await prisma.apiKey.updateMany({
    where: { id: keyId, clientId, kind: 'client_test', revokedAt: null },
    data: { revokedAt: at },
  });
  return count > 0;
}
