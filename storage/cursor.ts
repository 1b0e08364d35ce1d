/** Opaque (createdAt, id) cursors for newest-first pagination; a bad cursor is a 400. */
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || typeof id !== 'string') throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new BaseError('cursor is not valid', { id: ErrorId.BadRequest });
  }
}
