/**
 * Webhook endpoints of a tenant: create (secret shown once), read, update, delete, rotate the secret, send a
 * test event, replay stored events, redeliver one event, and the delivery log. Every call is tenant-scoped:
 * another tenant's endpoint or event is "not found".
 */
import { randomUUID } from 'node:crypto';
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { Prisma, PrismaClient, WebhookEndpoint } from '../generated/prisma/client.js';
import { decodeCursor, encodeCursor } from '../storage/cursor.js';
import type { WebhookOptions } from './options.js';
import { enqueueEvent, newDeliveryId } from './outbox.js';
import type { WebhookSecrets } from './secrets.js';
import { generateSecret } from './signature.js';
import { resolveWebhookTarget } from './url-guard.js';

export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  disabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  secretRotatedUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AttemptView {
  id: string;
  deliveryId: string;
  eventId: string;
  type: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  nextRetryAt: string | null;
  createdAt: string;
}

const MAX_REPLAY = 10_000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(e: WebhookEndpoint): EndpointView {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    disabled: e.disabledAt !== null,
    disabledAt: iso(e.disabledAt),
    disabledReason: e.disabledReason,
    failingSince: iso(e.failingSince),
    secretRotatedUntil: iso(e.previousSecretExpiresAt),
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

const notFound = (what: string) => new BaseError(`${what} not found`, { id: ErrorId.NotFound, kind: 'terminal' });

export class WebhookEndpoints {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly secrets: WebhookSecrets,
    readonly options: WebhookOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(
    tenantId: string,
    input: { url: string; events?: string[]; description?: string },
  ): Promise<EndpointView & { secret: string }> {
    await resolveWebhookTarget(input.url, this.options);
    const id = `we_${randomUUID().replaceAll('-', '')}`;
    const secret = generateSecret();
    const row = await this.prisma.webhookEndpoint.create({
      data: {
        id,
        tenantId,
        url: input.url,
        events: input.events ?? [],
        description: input.description ?? null,
        secretCiphertext: await this.secrets.seal(id, secret),
      },
    });
    return { ...toView(row), secret };
  }

  async list(tenantId: string): Promise<EndpointView[]> {
    const rows = await this.prisma.webhookEndpoint.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } });
    return rows.map(toView);
  }

  async get(tenantId: string, id: string): Promise<EndpointView> {
    return toView(await this.#require(tenantId, id));
  }

  async update(
    tenantId: string,
    id: string,
    patch: { url?: string; events?: string[]; description?: string | null; disabled?: boolean },
  ): Promise<EndpointView> {
    await this.#require(tenantId, id);
    if (patch.url !== undefined) await resolveWebhookTarget(patch.url, this.options);
    const data: Prisma.WebhookEndpointUpdateInput = {};
    if (patch.url !== undefined) data.url = patch.url;
    if (patch.events !== undefined) data.events = patch.events;
    if (patch.description !== undefined) data.description = patch.description;
    if (patch.disabled === true) Object.assign(data, { disabledAt: this.now(), disabledReason: 'manual' });
    if (patch.disabled === false) Object.assign(data, { disabledAt: null, disabledReason: null, failingSince: null });
    return toView(await this.prisma.webhookEndpoint.update({ where: { id }, data }));
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.#require(tenantId, id);
    await this.prisma.webhookEndpoint.delete({ where: { id } });
  }

  /** New secret; the previous one keeps signing (a second signature) for the overlap period. */
  async rotateSecret(
    tenantId: string,
    id: string,
  ): Promise<{ id: string; secret: string; previousSecretExpiresAt: string }> {
    const endpoint = await this.#require(tenantId, id);
    const previous = await this.secrets.open(id, endpoint.secretCiphertext);
    const secret = generateSecret();
    const until = new Date(this.now().getTime() + this.options.secretOverlapMs);
    await this.prisma.webhookEndpoint.update({
      where: { id },
      data: {
        secretCiphertext: await this.secrets.seal(id, secret),
        previousSecretCiphertext: await this.secrets.seal(id, previous, 'previous'),
        previousSecretExpiresAt: until,
      },
    });
    return { id, secret, previousSecretExpiresAt: until.toISOString() };
  }

  /** Queues a `webhook.test` event to this endpoint only (whatever its event filter). */
  async sendTest(tenantId: string, id: string): Promise<{ eventId: string }> {
    await this.#require(tenantId, id);
    const eventId = await this.prisma.$transaction((tx) =>
      enqueueEvent(
        tx,
        {
          tenantId,
          type: 'webhook.test',
          sequence: 0,
          payload: { endpointId: id, message: 'chainflow webhook test event', sequence: 0 },
        },
        id,
      ),
    );
    return { eventId };
  }

  /** Re-sends the stored events of [since, until] (optionally of some types) this endpoint subscribes to. */
  async replay(
    tenantId: string,
    id: string,
    range: { since: Date; until?: Date; types?: string[] },
  ): Promise<{ queued: number }> {
    const endpoint = await this.#require(tenantId, id);
    if (endpoint.disabledAt) throw new BaseError('endpoint is disabled; enable it first', { id: ErrorId.BadRequest });
    const where: Prisma.WebhookEventWhereInput = {
      tenantId,
      type: { not: 'webhook.test' },
      createdAt: { gte: range.since, ...(range.until ? { lte: range.until } : {}) },
    };
    const types = [range.types, endpoint.events.length > 0 ? endpoint.events : undefined].filter(
      (t): t is string[] => t !== undefined,
    );
    if (types.length > 0) where.AND = types.map((t) => ({ type: { in: t } }));
    const events = await this.prisma.webhookEvent.findMany({
      where,
      orderBy: [{ createdAt: 'asc' }, { sequence: 'asc' }],
      select: { id: true, transferId: true, sequence: true },
      take: MAX_REPLAY + 1,
    });
    if (events.length > MAX_REPLAY)
      throw new BaseError(`more than ${MAX_REPLAY} events in this window; replay a shorter one`, {
        id: ErrorId.BadRequest,
      });
    await this.#queue(tenantId, id, events);
    return { queued: events.length };
  }

  /** Sends one stored event again, to one endpoint or to every enabled endpoint subscribed to its type. */
  async redeliver(tenantId: string, eventId: string, endpointId?: string): Promise<{ queued: number }> {
    const event = await this.prisma.webhookEvent.findFirst({ where: { id: eventId, tenantId } });
    if (!event) throw notFound('event');
    const endpoints = endpointId
      ? [await this.#require(tenantId, endpointId)]
      : await this.prisma.webhookEndpoint.findMany({
          where: { tenantId, disabledAt: null, OR: [{ events: { isEmpty: true } }, { events: { has: event.type } }] },
        });
    for (const e of endpoints) await this.#queue(tenantId, e.id, [event]);
    return { queued: endpoints.length };
  }

  /** The delivery log, newest first, cursor-paginated. */
  async attempts(
    tenantId: string,
    id: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ data: AttemptView[]; nextCursor: string | null }> {
    await this.#require(tenantId, id);
    const where: Prisma.WebhookAttemptWhereInput = { endpointId: id, tenantId };
    if (page.cursor) {
      const c = decodeCursor(page.cursor);
      where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
    }
    const rows = await this.prisma.webhookAttempt.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.limit + 1,
    });
    const data = rows.slice(0, page.limit);
    const last = data[data.length - 1];
    return {
      data: data.map((a) => ({
        id: a.id,
        deliveryId: a.deliveryId,
        eventId: a.eventId,
        type: a.eventType,
        attempt: a.attempt,
        statusCode: a.statusCode,
        durationMs: a.durationMs,
        error: a.error,
        nextRetryAt: iso(a.nextRetryAt),
        createdAt: a.createdAt.toISOString(),
      })),
      nextCursor: rows.length > page.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  async #queue(
    tenantId: string,
    endpointId: string,
    events: { id: string; transferId: string | null; sequence: number }[],
  ): Promise<void> {
    if (events.length === 0) return;
    await this.prisma.webhookDelivery.createMany({
      data: events.map((e) => ({
        id: newDeliveryId(),
        tenantId,
        endpointId,
        eventId: e.id,
        transferId: e.transferId,
        sequence: e.sequence,
      })),
    });
  }

  async #require(tenantId: string, id: string): Promise<WebhookEndpoint> {
    const row = await this.prisma.webhookEndpoint.findFirst({ where: { id, tenantId } });
    if (!row) throw notFound('webhook endpoint');
    return row;
  }
}
