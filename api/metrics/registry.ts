/**
 * The API's Prometheus metrics (prom-client), one registry per app:
 *   chainflow_http_requests_total{method,route,status}            counter
 *   chainflow_http_request_duration_seconds{method,route,status}  histogram
 *   chainflow_transfers{chain,status}                            gauge, read from the database at scrape time
 *   chainflow_webhook_delivery_attempts{outcome}                 gauge (delivered | failed), from the delivery log
 *   chainflow_webhook_retries                                    gauge: attempts after the first
 *   plus prom-client's process metrics (chainflow_process_*, chainflow_nodejs_*).
 * Transfer and webhook figures come from the tables every API replica shares, so any replica answers the same.
 */
import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PrismaClient } from '../../generated/prisma/client.js';

export interface ApiMetrics {
  registry: Registry;
  /** Mounted first: times every request and counts it by its route template (not the raw path). */
  middleware: RequestHandler;
}

export function createApiMetrics(prisma: PrismaClient): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'chainflow_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'chainflow_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'chainflow_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'chainflow_transfers',
    help: 'Transfers by chain and status (all tenants)',
    labelNames: ['chain', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await prisma.transfer.groupBy({ by: ['chain', 'status'], _count: { _all: true } });
      for (const r of rows) this.set({ chain: r.chain, status: r.status }, r._count._all);
    },
  });
  new Gauge({
    name: 'chainflow_webhook_delivery_attempts',
    help: 'Webhook delivery attempts by outcome (delivered: a 2xx answer)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    async collect() {
      const [all, delivered] = await Promise.all([
        prisma.webhookAttempt.count(),
        prisma.webhookAttempt.count({ where: { statusCode: { gte: 200, lt: 300 } } }),
      ]);
      this.set({ outcome: 'delivered' }, delivered);
      this.set({ outcome: 'failed' }, all - delivered);
    },
  });
  new Gauge({
    name: 'chainflow_webhook_retries',
    help: 'Webhook delivery attempts after the first (retries)',
    registers: [registry],
    async collect() {
      this.set(await prisma.webhookAttempt.count({ where: { attempt: { gt: 1 } } }));
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.on('finish', () => {
      // The matched route's template keeps the label set small; unmatched paths share one label.
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    });
    next();
  };
  return { registry, middleware };
}
