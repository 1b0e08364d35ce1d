/** The Express 5 application: auth, routes, one error handler. Dependencies are injected for tests. */
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { ErrorId } from '../errors/codes.js';
import { clientSessionResolver, systemClock } from '../portal/credentials.js';
import { authenticate, type CredentialResolver, serverKeyResolver } from './auth.js';
import type { AppDeps } from './context.js';
import { errorHandler, httpError } from './errors.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { createApiMetrics } from './metrics/registry.js';
import { OPERATIONS } from './openapi/operations.js';
import { createRateLimiters, DEFAULT_RATE_LIMITS } from './rate-limit.js';
import { custodianRoutes } from './routes/custodians.js';
import { custodyRoutes } from './routes/custody.js';
import { devRoutes } from './routes/dev.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { portalClientRoutes } from './routes/portal-client.js';
import { serverWalletSignRoutes } from './routes/server-wallet-sign.js';
import { transferRoutes } from './routes/transfers.js';
import { walletRoutes } from './routes/wallets.js';
import { webhookRoutes } from './routes/webhooks.js';
import { rejectUnstorableText } from './text-guard.js';

export function createApp(
  deps: AppDeps,
  extra: { resolvers?: CredentialResolver[]; routers?: express.Router[] } = {},
): Express {
  const app = express();
  const metrics = createApiMetrics(deps.prisma);
  app.disable('x-powered-by');
  app.use(metrics.middleware);
  app.set('query parser', 'simple');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  app.use((req, res, next) => {
    const requestId = req.header('x-request-id') ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    req.log = deps.logger.child({ requestId });
    // One line per request: method, path (no query, no body) and status.
    res.on('finish', () => req.log?.info({ method: req.method, path: req.path, status: res.statusCode }, 'request'));
    next();
  });
  app.use(express.json({ limit: '256kb' }));
  app.use(rejectUnstorableText());
  app.use(healthRoutes(deps));
  app.use(docsRoutes());
  app.use(metricsRoutes(deps, metrics));
  const limits = createRateLimiters(deps.rateLimits ?? DEFAULT_RATE_LIMITS, deps);
  app.use(limits.perIp);
  app.use(
    authenticate([
      serverKeyResolver(deps.prisma),
      clientSessionResolver(deps.prisma, deps.now ?? systemClock),
      ...(extra.resolvers ?? []),
    ]),
  );
  app.use(limits.perCredential);
  app.use(transferRoutes(deps));
  app.use(walletRoutes(deps));
  app.use(devRoutes(deps));
  app.use(custodianRoutes(deps));
  app.use(custodyRoutes(deps));
  app.use(portalClientRoutes(deps));
  app.use(serverWalletSignRoutes(deps));
  app.use(webhookRoutes(deps));
  for (const router of extra.routers ?? []) app.use(router);
  app.use(methodNotAllowed(OPERATIONS));
  app.use((_req, _res, next) => next(httpError(ErrorId.NotFound, 'no such endpoint')));
  app.use(errorHandler);
  return app;
}
