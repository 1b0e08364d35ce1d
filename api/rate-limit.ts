/**
 * Rate limits (express-rate-limit, fixed windows, in-process memory: each API replica counts its own requests).
 * Per client IP before authentication (so guessing keys is limited too), per credential after it, and a stricter
 * per-credential budget for the routes that cost seconds of CPU or sign: key generation, backup, recover, signing.
 * Over a limit: `429 { id: "rate_limited" }` with `Retry-After`, and one `rate_limited` audit event per credential
 * and window (not one per refused request, so a flood cannot flood the audit table).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type RateLimitInfo, rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/env.js';
import { ErrorId } from '../errors/codes.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { actorOf, recordAudit } from '../storage/audit.js';
import { httpError } from './errors.js';

export interface RateLimits {
  windowMs: number;
  /** Requests per window and client IP; 0 = no limit. */
  perIp: number;
  /** Requests per window and credential (API key or session token); 0 = no limit. */
  perCredential: number;
  /** Key generation, backup, recover and signing requests per window and credential; 0 = no limit. */
  expensivePerCredential: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  windowMs: 60_000,
  perIp: 1200,
  perCredential: 600,
  expensivePerCredential: 30,
};

/** TRUST_PROXY: a hop count (`1`) or addresses/subnets/names (`loopback`, `10.0.0.0/8,uniquelocal`); never `true`. */
export function trustProxyFrom(config: { TRUST_PROXY?: string | undefined }): { trustProxy?: string | number } {
  const v = config.TRUST_PROXY?.trim();
  if (!v) return {};
  return { trustProxy: /^\d+$/.test(v) ? Number(v) : v };
}

export function rateLimitsFrom(
  config: Pick<
    AppConfig,
    'RATE_LIMIT_WINDOW_MS' | 'RATE_LIMIT_PER_IP' | 'RATE_LIMIT_PER_CREDENTIAL' | 'RATE_LIMIT_EXPENSIVE_PER_CREDENTIAL'
  >,
): RateLimits {
  return {
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    perIp: config.RATE_LIMIT_PER_IP,
    perCredential: config.RATE_LIMIT_PER_CREDENTIAL,
    expensivePerCredential: config.RATE_LIMIT_EXPENSIVE_PER_CREDENTIAL,
  };
}

/** POST routes that run MPC key generation / re-sharing or sign. */
const EXPENSIVE = [
  /^\/v1\/generate$/,
  /^\/api\/wallets$/,
  /^\/v1\/backup$/,
  /^\/v1\/recover$/,
  /^\/v1\/raw\/sign\/[^/]+$/,
  /^\/v1\/sign$/,
  /^\/api\/wallets\/[^/]+\/sign$/,
  /^\/v1\/assets\/send$/,
];

export function isExpensive(req: Request): boolean {
  return req.method === 'POST' && EXPENSIVE.some((r) => r.test(req.path));
}

type Scope = 'ip' | 'credential' | 'expensive';

const credentialKey = (req: Request) => `${req.auth?.kind}:${req.auth?.keyId}`;

export interface RateLimiters {
  /** Mounted before authentication. */
  perIp: RequestHandler;
  /** Mounted after authentication. */
  perCredential: RequestHandler;
}

export function createRateLimiters(limits: RateLimits, deps: { prisma: PrismaClient; logger: Logger }): RateLimiters {
  /** Credential + scope → the end of the window already audited. */
  const audited = new Map<string, number>();

  const audit = (req: Request, scope: Scope, resetAt: number) => {
    const auth = req.auth;
    if (!auth) return; // per-IP refusals before authentication have no tenant: logged only
    const key = `${scope}:${credentialKey(req)}`;
    const now = Date.now();
    if ((audited.get(key) ?? 0) > now) return;
    if (audited.size > 10_000) for (const [k, until] of audited) if (until <= now) audited.delete(k);
    audited.set(key, resetAt);
    recordAudit(deps.prisma, {
      tenantId: auth.tenantId,
      type: 'rate_limited',
      actor: actorOf(auth),
      details: { scope, method: req.method, path: req.path.slice(0, 200) },
    }).catch((err) => req.log?.error({ err }, 'rate_limited audit event not recorded'));
  };

  const limiter = (scope: Scope, limit: number, key?: (req: Request) => string, skip?: (req: Request) => boolean) => {
    if (limit <= 0) return (_req: Request, _res: Response, next: NextFunction) => next();
    return rateLimit({
      windowMs: limits.windowMs,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      ...(key ? { keyGenerator: key } : {}),
      ...(skip ? { skip } : {}),
      handler: (req, res, next) => {
        const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
        const resetAt = info?.resetTime?.getTime() ?? Date.now() + limits.windowMs;
        const retryAfter = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
        res.setHeader('Retry-After', String(retryAfter));
        (req.log ?? deps.logger).warn({ scope, method: req.method, path: req.path }, 'rate limited');
        audit(req, scope, resetAt);
        const what =
          scope === 'ip'
            ? 'from this address'
            : scope === 'credential'
              ? 'for this credential'
              : 'of this kind for this credential';
        next(httpError(ErrorId.RateLimited, `too many requests ${what}; retry after ${retryAfter} s`));
      },
    });
  };

  const credential = limiter('credential', limits.perCredential, (req) => `c:${credentialKey(req)}`);
  const expensive = limiter(
    'expensive',
    limits.expensivePerCredential,
    (req) => `e:${credentialKey(req)}`,
    (req) => !isExpensive(req),
  );
  return {
    perIp: limiter('ip', limits.perIp),
    // The expensive budget is counted first: a refused key generation does not also spend the general budget.
    perCredential: (req, res, next) =>
      expensive(req, res, (err?: unknown) => (err ? next(err) : credential(req, res, next))),
  };
}
