/**
 * The API contract, no credential needed: GET /openapi.json (OpenAPI 3.1, built from the zod schemas the routes
 * validate with) and GET /docs (Scalar's interactive reference over it).
 */
import { apiReference } from '@scalar/express-api-reference';
import { Router } from 'express';
import { openApiDocument } from '../openapi/document.js';

export function docsRoutes(): Router {
  const r = Router();
  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  r.use('/docs', apiReference({ url: '/openapi.json', pageTitle: 'chainflow API' }));
  return r;
}
