/**
 * Server API key revocation (DELETE /v1/api-keys/:keyId): the revoked key gets 401 from its next request on, the
 * revocation is audited, and another tenant's server key cannot revoke (or learn about) this tenant's keys.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPrefix, seedServerKey } from '../../api/auth.js';
import { type PortalStack, startPortalStack } from './portal-stack.js';

let stack: PortalStack;
const newKey = () => `cfsk_${randomBytes(16).toString('hex')}`;

beforeAll(async () => {
  stack = await startPortalStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('DELETE /v1/api-keys/:keyId', () => {
  it('revokes a server key of the caller’s tenant: 401 afterwards, audited; another tenant cannot', async () => {
    const tenantId = (
      await stack.runtime.prisma.apiKey.findUniqueOrThrow({ where: { prefix: keyPrefix(stack.apiKey) } })
    ).tenantId;
    const second = newKey();
    await seedServerKey(stack.runtime.prisma, tenantId, second, 'second');
    const secondId = (await stack.runtime.prisma.apiKey.findUniqueOrThrow({ where: { prefix: keyPrefix(second) } })).id;
    const outsider = newKey();
    await seedServerKey(stack.runtime.prisma, `tenant-other-${randomUUID()}`, outsider);
    expect((await stack.call(second, 'GET', '/v1/transfers')).status).toBe(200);

    // Another tenant's key: the same answer as for a key that does not exist, and nothing changes.
    expect(await stack.call(outsider, 'DELETE', `/v1/api-keys/${secondId}`)).toMatchObject({
      status: 404,
      body: { id: 'NOT_FOUND' },
    });
    expect(await stack.call(stack.apiKey, 'DELETE', `/v1/api-keys/${randomUUID()}`)).toMatchObject({ status: 404 });
    expect((await stack.call(second, 'GET', '/v1/transfers')).status).toBe(200);

    expect(await stack.call(stack.apiKey, 'DELETE', `/v1/api-keys/${secondId}`)).toMatchObject({
      status: 200,
      body: { keyId: secondId, revoked: true },
    });
    expect(await stack.call(second, 'GET', '/v1/transfers')).toMatchObject({
      status: 401,
      body: { id: 'INVALID_API_KEY' },
    });
    expect(await stack.call(stack.apiKey, 'DELETE', `/v1/api-keys/${secondId}`)).toMatchObject({ status: 404 });
    expect((await stack.call(stack.apiKey, 'GET', '/v1/transfers')).status).toBe(200);

    const events = await stack.call<{ data: { actor: { kind: string }; details: Record<string, unknown> }[] }>(
      stack.apiKey,
      'GET',
      '/v1/audit-events?type=credential_revoked',
    );
    expect(events.body.data).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ kind: 'server' }),
        details: { credential: 'server_api_key', keyId: secondId },
      }),
    ]);
    const outsiderEvents = await stack.call<{ data: unknown[] }>(
      outsider,
      'GET',
      '/v1/audit-events?type=credential_revoked',
    );
    expect(outsiderEvents.body.data).toEqual([]);
  });
});
