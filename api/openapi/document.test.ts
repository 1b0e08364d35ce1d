/** The document lists exactly the routes Express serves, and every operation is complete. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import type { AppDeps } from '../context.js';
import { openApiDocument } from './document.js';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function expressRoutes(): string[] {
  // No request is served: the routers only need their dependencies at request time.
  const app = createApp({ logger: pino({ level: 'silent' }), config: {} } as unknown as AppDeps);
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat())
          for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${path.replace(/:(\w+)/g, '{$1}')}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

describe('the OpenAPI document', () => {
  const doc = openApiDocument();
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));

  it('documents every route Express serves, and no other', () => {
    const served = expressRoutes().filter((r) => r !== 'get /openapi.json');
    expect([...new Set(served)].sort()).toEqual([...documented].sort());
  });

  it('gives every operation an id, credentials, a 2xx and a 500 `{ id, message }` answer', () => {
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const responses = op.responses as Record<string, { content?: Record<string, { schema: unknown }> }>;
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        expect(op.security, `${method} ${path}`).toBeDefined();
        expect(
          Object.keys(responses).some((s) => s.startsWith('2')),
          `${method} ${path}`,
        ).toBe(true);
        expect(responses['500']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
  });

  it('names every error id, the auth schemes and the Idempotency-Key header', () => {
    const ids = (doc.components.schemas.ErrorId as { enum: string[] }).enum;
    expect(ids).toContain('IDEMPOTENCY_CONFLICT');
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['serverApiKey', 'clientSessionToken', 'metricsToken']);
    const send = doc.paths['/v1/assets/send']!.post as { parameters: { name: string; in: string }[] };
    expect(send.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
  });
});
