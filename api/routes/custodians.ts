/**
 * Portal's Custodian API credential endpoints (seed 001), server API key only:
 *   POST /api/v1/custodians/clients                           → { id, clientSessionToken }
 *   POST /api/v1/custodians/clients/:clientId/session         → { clientSessionToken }
 *   POST /api/v1/custodians/clients/:clientId/test-api-keys   → { id, clientId, clientApiKey } (shown once)
 *   GET  /api/v1/custodians/clients/:clientId                 → { id, createdAt, wallet }
 *   DELETE /api/v1/custodians/clients/:clientId/sessions      → { revoked }  (every live CST of the client)
 *   DELETE /api/v1/custodians/clients/:clientId/test-api-keys/:keyId → 204
 * Each credential created or revoked is an audit event.
 */
import { Router } from 'express';
import { ErrorId } from '../../errors/codes.js';
import {
  createClient,
  createTestClientKey,
  issueClientSession,
  revokeClientSessions,
  revokeTestClientKey,
  systemClock,
} from '../../portal/credentials.js';
import { actorOf, recordAudit } from '../../storage/audit.js';
import { requireServerKey } from '../auth.js';
import type { AppDeps } from '../context.js';
import { httpError } from '../errors.js';
import { emptyBody, parse, testKeyBody } from '../schemas.js';

export function custodianRoutes(deps: AppDeps): Router {
  const r = Router();
  const now = deps.now ?? systemClock;
  r.use('/api/v1/custodians', requireServerKey());

  const findClient = async (tenantId: string, clientId: string) => {
    const client = await deps.prisma.client.findFirst({ where: { id: clientId, tenantId } });
    if (!client) throw httpError(ErrorId.NotFound, 'client not found');
    return client;
  };

  r.post('/api/v1/custodians/clients', async (req, res) => {
    parse(emptyBody, req.body ?? {});
    const created = await createClient(deps.prisma, req.auth!.tenantId, now);
    await recordAudit(deps.prisma, {
      tenantId: req.auth!.tenantId,
      type: 'credential_created',
      actor: actorOf(req.auth),
      details: { credential: 'client_session', clientId: created.id },
    });
    res.status(200).json({ id: created.id, clientSessionToken: created.clientSessionToken });
  });

  r.post('/api/v1/custodians/clients/:clientId/session', async (req, res) => {
    parse(emptyBody, req.body ?? {});
    const client = await findClient(req.auth!.tenantId, String(req.params.clientId));
    const session = await issueClientSession(deps.prisma, client.id, now);
    await recordAudit(deps.prisma, {
      tenantId: client.tenantId,
      type: 'credential_created',
      actor: actorOf(req.auth),
      details: { credential: 'client_session', clientId: client.id },
    });
    res.status(200).json({ clientSessionToken: session.clientSessionToken });
  });

  r.post('/api/v1/custodians/clients/:clientId/test-api-keys', async (req, res) => {
    const body = parse(testKeyBody, req.body ?? {});
    const client = await findClient(req.auth!.tenantId, String(req.params.clientId));
    const key = await createTestClientKey(deps.prisma, client.tenantId, client.id, body.label);
    await recordAudit(deps.prisma, {
      tenantId: client.tenantId,
      type: 'credential_created',
      actor: actorOf(req.auth),
      details: { credential: 'client_test_api_key', clientId: client.id, keyId: key.id },
    });
    res.status(201).json({ id: key.id, clientId: client.id, clientApiKey: key.clientApiKey });
  });

  r.delete('/api/v1/custodians/clients/:clientId/sessions', async (req, res) => {
    const client = await findClient(req.auth!.tenantId, String(req.params.clientId));
    const revoked = await revokeClientSessions(deps.prisma, client.id, now());
    await recordAudit(deps.prisma, {
      tenantId: client.tenantId,
      type: 'credential_revoked',
      actor: actorOf(req.auth),
      details: { credential: 'client_session', clientId: client.id, count: revoked },
    });
    res.json({ revoked });
  });

  r.delete('/api/v1/custodians/clients/:clientId/test-api-keys/:keyId', async (req, res) => {
    const client = await findClient(req.auth!.tenantId, String(req.params.clientId));
    const keyId = String(req.params.keyId);
    if (!(await revokeTestClientKey(deps.prisma, client.id, keyId, now())))
      throw httpError(ErrorId.NotFound, 'test client API key not found');
    await recordAudit(deps.prisma, {
      tenantId: client.tenantId,
      type: 'credential_revoked',
      actor: actorOf(req.auth),
      details: { credential: 'client_test_api_key', clientId: client.id, keyId },
    });
    res.status(204).end();
  });

  r.get('/api/v1/custodians/clients/:clientId', async (req, res) => {
    const client = await findClient(req.auth!.tenantId, String(req.params.clientId));
    const wallet = await deps.prisma.wallet.findUnique({ where: { clientId: client.id } });
    res.json({
      id: client.id,
      createdAt: client.createdAt.toISOString(),
      wallet: wallet ? await deps.wallets.view(wallet) : null,
    });
  });

  return r;
}
