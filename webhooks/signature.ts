/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`,
 * several signatures separated by spaces (during a secret rotation both secrets sign).
 * Secrets are `whsec_<base64 bytes>`, the format off-the-shelf verifiers accept.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export function generateSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

export function secretBytes(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('not a whsec_ secret');
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

export function signatureHeader(secrets: string[], id: string, timestampSeconds: number, body: string): string {
  return secrets
    .map(
      (s) => `v1,${createHmac('sha256', secretBytes(s)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`,
    )
    .join(' ');
}
