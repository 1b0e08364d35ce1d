import { Router } from 'express';
import { ErrorId } from '../../errors/codes.js';
import { requireServerKey } from '../auth.js';
import type { AppDeps } from '../context.js';
import { httpError } from '../errors.js';
import {
  createWebhookBody,
  listDeliveriesQuery,
  parse,
  redeliverEventBody,
  replayWebhookBody,
  updateWebhookBody,
} from '../schemas.js';

/** Webhook endpoints (Standard Webhooks), their delivery log, replay and redelivery. Server credentials only. */
export function webhookRoutes(deps: AppDeps): Router {
  const r = Router();
  r.use(['/v1/webhooks', '/v1/events'], requireServerKey());
  const hooks = () => {
    if (!deps.webhooks) throw httpError(ErrorId.Unavailable, 'webhooks are not configured');
    return deps.webhooks;
  };
  const id = (v: unknown) => String(v);

  r.post('/v1/webhooks', async (req, res) => {
    res.status(201).json(await hooks().create(req.auth!.tenantId, parse(createWebhookBody, req.body)));
  });
  r.get('/v1/webhooks', async (req, res) => {
    res.json({ data: await hooks().list(req.auth!.tenantId) });
  });
  r.get('/v1/webhooks/:id', async (req, res) => {
    res.json(await hooks().get(req.auth!.tenantId, id(req.params.id)));
  });
  r.patch('/v1/webhooks/:id', async (req, res) => {
    res.json(await hooks().update(req.auth!.tenantId, id(req.params.id), parse(updateWebhookBody, req.body)));
  });
  r.delete('/v1/webhooks/:id', async (req, res) => {
    await hooks().remove(req.auth!.tenantId, id(req.params.id));
    res.status(204).end();
  });
  r.post('/v1/webhooks/:id/rotate-secret', async (req, res) => {
    res.json(await hooks().rotateSecret(req.auth!.tenantId, id(req.params.id)));
  });
  r.post('/v1/webhooks/:id/test', async (req, res) => {
    res.status(202).json(await hooks().sendTest(req.auth!.tenantId, id(req.params.id)));
  });
  r.post('/v1/webhooks/:id/replay', async (req, res) => {
    const body = parse(replayWebhookBody, req.body);
    const since = new Date(body.since);
    const until = body.until ? new Date(body.until) : undefined;
    res
      .status(202)
      .json(await hooks().replay(req.auth!.tenantId, id(req.params.id), { since, until, types: body.types }));
  });
  r.get('/v1/webhooks/:id/deliveries', async (req, res) => {
    res.json(await hooks().attempts(req.auth!.tenantId, id(req.params.id), parse(listDeliveriesQuery, req.query)));
  });
  r.post('/v1/events/:eventId/redeliver', async (req, res) => {
    const body = parse(redeliverEventBody, req.body ?? {});
    res.status(202).json(await hooks().redeliver(req.auth!.tenantId, id(req.params.eventId), body.endpointId));
  });
  return r;
}
