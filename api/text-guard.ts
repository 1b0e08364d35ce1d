/**
 * Text PostgreSQL cannot store (a NUL character, an unpaired UTF-16 surrogate) is refused up front with
 * 400 BAD_REQUEST, wherever it is: path, query or JSON body. Without this, such an id reached a query and the
 * database's encoding error came back as a 500 (found by schemathesis).
 */
import type { RequestHandler } from 'express';
import { badRequest } from '../errors/codes.js';

const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hasUnstorable(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return UNSTORABLE.test(v);
  if (depth > 32 || !v || typeof v !== 'object') return false;
  for (const [k, x] of Object.entries(v)) if (UNSTORABLE.test(k) || hasUnstorable(x, depth + 1)) return true;
  return false;
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return '\0'; // not decodable: refused like a NUL
  }
}

export function rejectUnstorableText(): RequestHandler {
  return (req, _res, next) => {
    if (hasUnstorable(decodedPath(req.path)) || hasUnstorable(req.query) || hasUnstorable(req.body))
      return next(badRequest('the request contains a NUL character or an unpaired surrogate'));
    next();
  };
}
