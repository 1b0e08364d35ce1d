/**
 * GET /metrics (Prometheus text). Bearer METRICS_TOKEN when the operator set one (what a scraper holds), else a
 * server API key. The figures are operator-level (all tenants): with METRICS_TOKEN set, tenants' keys cannot read it.
 */
import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { ErrorId } from '../../errors/codes.js';
import { bearerToken, serverKeyResolver } from '../auth.js';
import type { AppDeps } from '../context.js';
import { httpError } from '../errors.js';
import type { ApiMetrics } from '../metrics/registry.js';

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function metricsRoutes(deps: AppDeps, metrics: ApiMetrics): Router {
  const r = Router();
  const resolveServerKey = serverKeyResolver(deps.prisma);
  r.get('/metrics', async (req, res) => {
    const token = bearerToken(req.header('authorization'));
    if (!token) throw httpError(ErrorId.Unauthorized, 'missing Authorization: Bearer <METRICS_TOKEN or API key>');
    const metricsToken = deps.config.METRICS_TOKEN;
    if (metricsToken) {
      if (!same(token, metricsToken)) throw httpError(ErrorId.InvalidApiKey, 'invalid metrics token');
    } else {
      const auth = await resolveServerKey(token);
      if (!auth) throw httpError(ErrorId.InvalidApiKey, 'invalid or expired API key');
      if (auth.kind !== 'server') throw httpError(ErrorId.Forbidden, 'metrics need a server API key');
    }
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return r;
}
