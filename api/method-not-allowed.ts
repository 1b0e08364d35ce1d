/**
 * A known path asked with a method it does not serve: 405 METHOD_NOT_ALLOWED with an `Allow` header (RFC 9110),
 * from the operation table of the OpenAPI document. Unknown paths stay 404.
 */
import type { RequestHandler } from 'express';
import { ErrorId } from '../errors/codes.js';
import { httpError } from './errors.js';
import type { Operation } from './openapi/operations.js';

export function methodNotAllowed(operations: readonly Operation[]): RequestHandler {
  const byPath = new Map<string, { re: RegExp; methods: Set<string> }>();
  for (const op of operations) {
    const entry = byPath.get(op.path) ?? {
      re: new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      methods: new Set<string>(),
    };
    entry.methods.add(op.method.toUpperCase());
    if (op.method === 'get') entry.methods.add('HEAD');
    byPath.set(op.path, entry);
  }
  return (req, res, next) => {
    const allowed = new Set<string>();
    for (const { re, methods } of byPath.values()) if (re.test(req.path)) for (const m of methods) allowed.add(m);
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    res.setHeader('Allow', [...allowed].sort().join(', '));
    next(httpError(ErrorId.MethodNotAllowed, `${req.method} is not allowed here; allowed: ${[...allowed].join(', ')}`));
  };
}
