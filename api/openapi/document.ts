/**
 * The OpenAPI 3.1 document, built from the operation table (api/openapi/operations.ts) with zod 4's own JSON Schema
 * conversion: request schemas as the routes accept them (`io: 'input'`: defaults optional, coercions as their input),
 * responses as the routes send them. Schemas with a `.meta({ id })` become `#/components/schemas/<id>`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ErrorId } from '../../errors/codes.js';
import { httpStatusFor } from '../errors.js';
import { idempotencyKeyHeader } from '../schemas.js';
import { type Auth, OPERATIONS, type Operation } from './operations.js';
import { errorResponse } from './responses.js';

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: Json;
  servers: Json[];
  tags: Json[];
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

const REF = '#/components/schemas/';

const SECURITY: Record<Auth, Json[]> = {
  none: [],
  server: [{ serverApiKey: [] }],
  client: [{ clientSessionToken: [] }],
  any: [{ serverApiKey: [] }, { clientSessionToken: [] }],
  metrics: [{ serverApiKey: [] }, { metricsToken: [] }],
};

const SECURITY_SCHEMES = {
  serverApiKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'cfsk_…',
    description: 'A server API key of the tenant (`npm run api-key`, or DEV_API_KEY on a dev stack).',
  },
  clientSessionToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'CST or cfck_…',
    description:
      'A Client Session Token (POST /api/v1/custodians/clients…/session) or a test client API key: scoped to one client and its wallet.',
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN (GET /metrics only), for a Prometheus scraper that holds no API key.',
  },
};

/** Converts a schema; named sub-schemas are hoisted into `components` and referenced. */
class SchemaSet {
  readonly components: Record<string, Json> = {};

  constructor(private readonly io: 'input' | 'output') {}

  ref(schema: z.ZodType): Json {
    const id = z.globalRegistry.get(schema)?.id;
    const json = z.toJSONSchema(schema, {
      io: this.io,
      target: 'draft-2020-12',
      unrepresentable: 'any',
      reused: 'inline',
    }) as Json;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    delete json.$schema;
    if (id && !defs[id]) defs[id] = json; // a named root comes back as a $ref to its own definition
    for (const [name, def] of Object.entries(defs)) this.components[name] = relink(def) as Json;
    return id ? { $ref: `${REF}${id}` } : (relink(json) as Json);
  }
}

/** `#/$defs/X` (zod's per-schema definitions) → `#/components/schemas/X`. */
function relink(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(relink);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      k === '$ref' && typeof x === 'string' ? x.replace(/^#\/\$defs\//, REF) : relink(x),
    ]),
  );
}

/** The error responses of an operation, by status: the common ones plus the route's own ids. */
export function errorIdsByStatus(op: Operation): Map<number, Set<string>> {
  const byStatus = new Map<number, Set<string>>();
  const add = (status: number, id: string) => {
    const set = byStatus.get(status) ?? new Set<string>();
    byStatus.set(status, set);
    set.add(id);
  };
  if (op.auth !== 'none') {
    add(401, ErrorId.Unauthorized);
    add(401, ErrorId.InvalidApiKey);
  }
  if (op.auth === 'server' || op.auth === 'client' || op.auth === 'any') add(429, ErrorId.RateLimited);
  if (op.auth === 'server' || op.auth === 'client') add(403, ErrorId.Forbidden);
  if (op.body) {
    add(400, ErrorId.BadRequest); // invalid or non-JSON body
    add(413, ErrorId.BadRequest); // body over the size limit
  }
  if (op.query || op.idempotencyKey || op.params) add(400, ErrorId.BadRequest);
  for (const id of op.errors) add(httpStatusFor(id), id);
  add(500, ErrorId.Internal);
  return byStatus;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request',
  401: 'missing or invalid credential',
  403: 'the credential may not call this',
  404: 'not found',
  409: 'conflict',
  413: 'body too large',
  423: 'locked',
  429: 'rate limited (see Retry-After)',
  500: 'internal error',
  502: 'a chain node failed or refused',
  503: 'unavailable; retry',
};

function buildOperation(op: Operation, requests: SchemaSet, responses: SchemaSet): Json {
  const parameters: Json[] = [];
  for (const [name, p] of Object.entries(op.params ?? {})) {
    parameters.push({
      name,
      in: 'path',
      required: true,
      description: p.description,
      schema: p.schema ? requests.ref(p.schema) : { type: 'string', minLength: 1 },
    });
  }
  if (op.query) {
    const q = requests.ref(op.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: 'query',
        required: q.required?.includes(name) ?? false,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  if (op.idempotencyKey) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'retries with the same key answer the same result; a key is per credential holder',
      schema: requests.ref(idempotencyKeyHeader),
    });
  }
  const out: Json = {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    security: SECURITY[op.auth],
    ...(parameters.length ? { parameters } : {}),
  };
  if (op.body) {
    out.requestBody = {
      required: !op.bodyOptional,
      content: { 'application/json': { schema: requests.ref(op.body) } },
    };
  }
  const res: Record<string, Json> = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    res[status] = {
      description: spec.description,
      ...(spec.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(spec.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]),
            ),
          }
        : {}),
      ...(spec.schema ? { content: { 'application/json': { schema: responses.ref(spec.schema) } } } : {}),
      ...(spec.text ? { content: { [spec.text]: { schema: { type: 'string' } } } } : {}),
    };
  }
  for (const [status, ids] of [...errorIdsByStatus(op)].sort(([a], [b]) => a - b)) {
    if (res[status]) continue;
    res[status] = {
      description: `${STATUS_TEXT[status] ?? 'error'}: ${[...ids].map((i) => `\`${i}\``).join(', ')}`,
      ...(status === 429 ? { headers: { 'Retry-After': { schema: { type: 'string' } } } } : {}),
      content: { 'application/json': { schema: { $ref: `${REF}Error` } } },
    };
  }
  out.responses = res;
  return out;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

let cached: OpenApiDocument | undefined;

/** The document (built once per process: the table and schemas are static). */
export function openApiDocument(): OpenApiDocument {
  cached ??= buildOpenApiDocument();
  return cached;
}

export function buildOpenApiDocument(operations: readonly Operation[] = OPERATIONS): OpenApiDocument {
  const requests = new SchemaSet('input');
  const responses = new SchemaSet('output');
  responses.ref(errorResponse);
  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method] = buildOperation(op, requests, responses);
  }
  const errorIds = Object.values(ErrorId);
  return {
    openapi: '3.1.0',
    info: {
      title: 'chainflow',
      version: packageVersion(),
      description:
        'Multi-chain transaction orchestrator on Temporal. Errors are `{ id, message }` with a stable id (ErrorId). Requests that send money take an `Idempotency-Key`.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: {
        ...responses.components,
        ...requests.components,
        ErrorId: {
          type: 'string',
          enum: errorIds,
          description: `The stable error ids and their HTTP status: ${errorIds.map((i) => `${i} ${httpStatusFor(i)}`).join(', ')}. Chain adapters add chain-level ids (400 when the request caused them, 502 when transient).`,
        },
      },
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
