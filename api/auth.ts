/**
 * Server API keys: `Authorization: Bearer <key>`. Keys are stored as SHA-256 hashes with a short
 * non-secret prefix for lookup; the plain key is shown once at creation.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ErrorId } from '../errors/codes.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { httpError } from './errors.js';

const PREFIX_LENGTH = 12;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function keyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

export function generateApiKey(kind: 'sk' | 'ck' = 'sk'): string {
  return `cf${kind}_${randomBytes(24).toString('base64url')}`;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates the tenant if needed and stores `key` (hashed) as its server key. Idempotent. */
export async function seedServerKey(
  prisma: PrismaClient,
  tenantId: string,
  key: string,
  label = 'seeded',
): Promise<void> {
  if (key.length < 16) throw new Error('API keys must be at least 16 characters');
  await prisma.tenant.upsert({ where: { id: tenantId }, create: { id: tenantId, name: tenantId }, update: {} });
  const prefix = keyPrefix(key);
  const existing = await prisma.apiKey.findUnique({ where: { prefix } });
  if (existing) {
    if (existing.tenantId !== tenantId || !sameHash(existing.hash, hashSecret(key))) {
      throw new Error('an API key with the same prefix belongs to another tenant');
    }
    return;
  }
  await prisma.apiKey.create({
    data: { id: randomUUID(), tenantId, prefix, hash: hashSecret(key), kind: 'server', label },
  });
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Resolves a bearer token to an AuthContext. Extra resolvers (client session tokens, …) are tried in order. */
export type CredentialResolver = (token: string) => Promise<import('./context.js').AuthContext | undefined>;

export function serverKeyResolver(prisma: PrismaClient): CredentialResolver {
  return async (token) => {
    const row = await prisma.apiKey.findUnique({ where: { prefix: keyPrefix(token) } });
    if (!row || row.revokedAt || !sameHash(row.hash, hashSecret(token))) return undefined;
    return {
      tenantId: row.tenantId,
      kind: row.kind === 'client_test' ? 'client_test' : 'server',
      keyId: row.id,
      clientId: row.clientId ?? undefined,
    };
  };
}

export function authenticate(resolvers: CredentialResolver[]): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.header('authorization'));
    if (!token) return next(httpError(ErrorId.Unauthorized, 'missing Authorization: Bearer <api key>'));
    for (const resolve of resolvers) {
      const auth = await resolve(token);
      if (auth) {
        req.auth = auth;
        return next();
      }
    }
    next(httpError(ErrorId.InvalidApiKey, 'invalid or expired API key'));
  };
}

export function requireServerKey(): RequestHandler {
  return (req, _res, next) => {
    if (req.auth?.kind !== 'server') return next(httpError(ErrorId.Forbidden, 'this endpoint needs a server API key'));
    next();
  };
}
