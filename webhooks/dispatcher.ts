/**
 * The webhook dispatcher: a loop in the worker process that claims due deliveries from PostgreSQL
 * (`FOR UPDATE SKIP LOCKED`, then a lease), sends them and writes the outcome. State lives only in the
 * database, so any number of dispatchers can run and a killed one loses nothing: its lease expires and
 * another dispatcher sends the delivery again (same `webhook-id`, at least once).
 *
 * Ordering: a delivery is not claimed while an earlier event of the same transfer is still pending for the
 * same endpoint. Isolation: at most `endpointConcurrency` deliveries per endpoint are in flight here, so a
 * slow consumer holds a few slots and never the whole dispatcher.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { recordAudit, SYSTEM_ACTOR } from '../storage/audit.js';
import { eventBody } from './events.js';
import type { WebhookOptions } from './options.js';
import { type AttemptResult, classifyAttempt, nextDelay } from './schedule.js';
import type { WebhookSecrets } from './secrets.js';
import { postWebhook } from './send.js';
import { signatureHeader } from './signature.js';

export interface DispatcherDeps {
  prisma: PrismaClient;
  secrets: WebhookSecrets;
  options: WebhookOptions;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => Date;
}

const CLEANUP_EVERY_MS = 3_600_000;

export class WebhookDispatcher {
  readonly #deps: DispatcherDeps;
  readonly #inFlight = new Map<string, number>();
  readonly #running = new Set<Promise<void>>();
  #total = 0;
  #stopped = true;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastCleanup = 0;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  /** Stops claiming and waits for the attempts in flight to be recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await Promise.all(this.#running);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let claimed = 0;
      try {
        claimed = await this.tick();
        await this.#cleanupIfDue();
      } catch (err) {
        this.#deps.logger?.error({ err }, 'webhook dispatcher: claim failed');
      }
      if (claimed === 0 || this.#total >= this.#deps.options.concurrency) await this.#sleep(this.#deps.options.pollMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }

  /** Claims what is due and starts sending it; returns how many deliveries were claimed. */
  async tick(): Promise<number> {
    const { options } = this.#deps;
    const free = options.concurrency - this.#total;
    if (free <= 0) return 0;
    const saturated = [...this.#inFlight].filter(([, n]) => n >= options.endpointConcurrency).map(([id]) => id);
    const claimed = await this.#claim(free, saturated);
    for (const c of claimed) {
      this.#inFlight.set(c.endpointId, (this.#inFlight.get(c.endpointId) ?? 0) + 1);
      this.#total++;
      const p = this.attempt(c.id)
        .catch((err) => this.#deps.logger?.error({ err, deliveryId: c.id }, 'webhook delivery failed to record'))
        .finally(() => {
          this.#total--;
          const n = (this.#inFlight.get(c.endpointId) ?? 1) - 1;
          if (n <= 0) this.#inFlight.delete(c.endpointId);
          else this.#inFlight.set(c.endpointId, n);
          this.#running.delete(p);
          this.#wake?.();
        });
      this.#running.add(p);
    }
    return claimed.length;
  }

  /** One statement (no interactive transaction): lock due rows, keep the per-endpoint limits, lease them. */
  async #claim(limit: number, saturated: string[]): Promise<{ id: string; endpointId: string }[]> {
    const { prisma, options } = this.#deps;
    const now = this.#now();
    // Longer than any attempt can take (its time limit), so only a dead dispatcher's claim ever expires.
    const leaseUntil = new Date(now.getTime() + 2 * options.timeoutMs + 5_000);
    const inFlight = JSON.stringify(Object.fromEntries(this.#inFlight));
    return prisma.$queryRaw<{ id: string; endpointId: string }[]>`
      WITH candidates AS (
        SELECT d.id, d."endpointId", d."nextAttemptAt", d.sequence FROM "WebhookDelivery" d
        WHERE d.status = 'pending' AND d."nextAttemptAt" <= ${now}
          AND (d."leaseUntil" IS NULL OR d."leaseUntil" < ${now})
          AND d."endpointId" <> ALL(${saturated}::text[])
          AND NOT EXISTS (
            SELECT 1 FROM "WebhookDelivery" e
            WHERE e."endpointId" = d."endpointId" AND e."transferId" = d."transferId" AND e.status = 'pending'
              AND (e.sequence < d.sequence OR (e.sequence = d.sequence AND (e."createdAt", e.id) < (d."createdAt", d.id))))
        ORDER BY d."nextAttemptAt", d.sequence
        LIMIT ${limit * 4}
        FOR UPDATE OF d SKIP LOCKED
      ), ranked AS (
        SELECT id, "endpointId",
          row_number() OVER (PARTITION BY "endpointId" ORDER BY "nextAttemptAt", sequence) AS per_endpoint,
          row_number() OVER (ORDER BY "nextAttemptAt", sequence) AS overall
        FROM candidates
      ), picked AS (
        SELECT id FROM ranked
        WHERE per_endpoint + COALESCE((${inFlight}::jsonb ->> "endpointId")::int, 0) <= ${options.endpointConcurrency}
        ORDER BY overall
        LIMIT ${limit}
      )
      UPDATE "WebhookDelivery" w SET "leaseUntil" = ${leaseUntil} FROM picked WHERE w.id = picked.id
      RETURNING w.id, w."endpointId"`;
  }

  /** Sends one claimed delivery and records the attempt (exported for tests that drive single steps). */
  async attempt(deliveryId: string): Promise<void> {
    const { prisma, secrets, options } = this.#deps;
    const d = await prisma.webhookDelivery.findUnique({
      where: { id: deliveryId },
      include: { event: true, endpoint: true },
    });
    if (d?.status !== 'pending') return;
    if (d.endpoint.disabledAt) {
      await prisma.webhookDelivery.updateMany({
        where: { id: d.id, status: 'pending', attempts: d.attempts },
        data: { status: 'failed', leaseUntil: null, lastError: 'endpoint_disabled' },
      });
      return;
    }
    const sentAt = this.#now();
    const body = eventBody(d.event);
    const timestamp = Math.floor(sentAt.getTime() / 1000);
    const result: AttemptResult = await postWebhook(
      d.endpoint.url,
      body,
      {
        'webhook-id': d.event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(await secrets.signing(d.endpoint, sentAt), d.event.id, timestamp, body),
      },
      { allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs },
    );
    await this.#record(d, result);
  }

  async #record(
    d: {
      id: string;
      tenantId: string;
      endpointId: string;
      eventId: string;
      attempts: number;
      event: { type: string };
      endpoint: { failingSince: Date | null };
    },
    result: AttemptResult,
  ): Promise<void> {
    const { prisma, options, logger } = this.#deps;
    const now = this.#now();
    const outcome = classifyAttempt(result);
    const attempts = d.attempts + 1;
    const delay = outcome === 'retry' ? nextDelay(options.schedule, attempts, result.retryAfterMs) : undefined;
    const nextRetryAt = delay === undefined ? null : new Date(now.getTime() + delay);
    const status = outcome === 'delivered' ? 'succeeded' : nextRetryAt ? 'pending' : 'failed';
    const attemptId = `wha_${randomBytes(16).toString('hex')}`;
    if (outcome === 'delivered' && !d.endpoint.failingSince) {
      // The common case in one statement: delivery done and its log row, only if this attempt still holds it.
      await prisma.$executeRaw`
        WITH done AS (
          UPDATE "WebhookDelivery" SET status = 'succeeded', attempts = ${attempts}, "leaseUntil" = NULL,
            "lastError" = NULL, "updatedAt" = ${now}
          WHERE id = ${d.id} AND status = 'pending' AND attempts = ${d.attempts}
          RETURNING id
        )
        INSERT INTO "WebhookAttempt" (id, "tenantId", "endpointId", "deliveryId", "eventId", "eventType", attempt,
          "statusCode", "durationMs", error, "nextRetryAt", "createdAt")
        SELECT ${attemptId}, ${d.tenantId}, ${d.endpointId}, done.id, ${d.eventId}, ${d.event.type}, ${attempts},
          ${result.statusCode ?? null}::int, ${result.durationMs}::int, NULL, NULL, ${now} FROM done`;
      return;
    }
    await prisma.$transaction(async (tx) => {
      // Only the holder of this attempt number records it: a dispatcher that lost its lease to another is ignored.
      const updated = await tx.webhookDelivery.updateMany({
        where: { id: d.id, status: 'pending', attempts: d.attempts },
        data: {
          status,
          attempts,
          leaseUntil: null,
          lastError: result.error ?? null,
          ...(nextRetryAt ? { nextAttemptAt: nextRetryAt } : {}),
        },
      });
      if (updated.count === 0) return;
      await tx.webhookAttempt.create({
        data: {
          id: attemptId,
          tenantId: d.tenantId,
          endpointId: d.endpointId,
          deliveryId: d.id,
          eventId: d.eventId,
          eventType: d.event.type,
          attempt: attempts,
          statusCode: result.statusCode ?? null,
          durationMs: result.durationMs,
          error: result.error ?? null,
          nextRetryAt,
        },
      });
      if (outcome === 'delivered') {
        await tx.webhookEndpoint.updateMany({
          where: { id: d.endpointId, failingSince: { not: null } },
          data: { failingSince: null },
        });
        return;
      }
      if (outcome === 'gone') {
        const gone = await tx.webhookEndpoint.updateMany({
          where: { id: d.endpointId, disabledAt: null },
          data: { disabledAt: now, disabledReason: 'gone' },
        });
        if (gone.count > 0) {
          await auditDisabled(tx, d, 'gone', { statusCode: 410 });
          logger?.warn({ endpointId: d.endpointId }, 'webhook endpoint answered 410 Gone: disabled');
        }
        return;
      }
      await tx.webhookEndpoint.updateMany({
        where: { id: d.endpointId, failingSince: null },
        data: { failingSince: now },
      });
      const disabled = await tx.webhookEndpoint.updateMany({
        where: {
          id: d.endpointId,
          disabledAt: null,
          failingSince: { lte: new Date(now.getTime() - options.disableAfterMs) },
        },
        data: { disabledAt: now, disabledReason: 'failing' },
      });
      if (disabled.count > 0) {
        const { failingSince } = await tx.webhookEndpoint.findUniqueOrThrow({
          where: { id: d.endpointId },
          select: { failingSince: true },
        });
        await auditDisabled(tx, d, 'failing', {
          ...(failingSince ? { failingSince: failingSince.toISOString() } : {}),
          ...(result.error ? { lastError: result.error } : {}),
        });
        logger?.warn({ endpointId: d.endpointId }, 'webhook endpoint failed every attempt for too long: disabled');
      }
    });
  }

  /** Deletes events (with their deliveries and log) older than the retention period, unless still pending. */
  async #cleanupIfDue(): Promise<void> {
    const now = this.#now().getTime();
    if (now - this.#lastCleanup < CLEANUP_EVERY_MS) return;
    this.#lastCleanup = now;
    await this.cleanup();
  }

  async cleanup(): Promise<number> {
    const { prisma, options } = this.#deps;
    const cutoff = new Date(this.#now().getTime() - options.retentionMs);
    const { count } = await prisma.webhookEvent.deleteMany({
      where: { createdAt: { lt: cutoff }, deliveries: { none: { status: 'pending' } } },
    });
    return count;
  }
}

/** The tenant's audit log says when and why the dispatcher disabled one of its endpoints (no request caused it). */
function auditDisabled(
  tx: Prisma.TransactionClient,
  d: { tenantId: string; endpointId: string; eventId: string },
  reason: 'gone' | 'failing',
  details: Record<string, string | number>,
): Promise<void> {
  return recordAudit(tx, {
    tenantId: d.tenantId,
    type: 'webhook_endpoint_disabled',
    actor: SYSTEM_ACTOR,
    details: { endpointId: d.endpointId, reason, eventId: d.eventId, ...details },
  });
}
