/** The co-signer process's configuration (its own names: it shares no secret with the main service). */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { KeyProviderConfig } from '../key-providers/from-config.js';

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  /** Its own database, reached with its own role (the main service's role has no grant on it). */
  COSIGNER_DATABASE_URL: z.string().min(1, 'COSIGNER_DATABASE_URL is required'),
  COSIGNER_HOST: z.string().default('127.0.0.1'),
  COSIGNER_PORT: z.coerce.number().int().nonnegative().default(7400),
  COSIGNER_KEY_PROVIDER: z.enum(['local', 'aws-kms']).default('local'),
  /** Its own key-encryption key (never the main service's MASTER_KEY). */
  COSIGNER_MASTER_KEY: z.string().optional(),
  COSIGNER_MASTER_KEY_PREVIOUS: z.string().optional(),
  COSIGNER_AWS_KMS_KEY_ID: z.string().optional(),
  COSIGNER_AWS_KMS_PREVIOUS_KEY_IDS: z.string().optional(),
  AWS_REGION: z.string().optional(),
  AWS_KMS_ENDPOINT: z.string().optional(),
  /** Ed25519 seed (hex) the co-signer signs its answers with; callers pin its public key (COSIGNER_PUBLIC_KEY). */
  COSIGNER_SIGNING_KEY: z.string().min(1, 'COSIGNER_SIGNING_KEY is required'),
  /** Allowed callers: `name=ed25519PublicKeyHex,…` (one key pair per calling process: api, worker). */
  COSIGNER_CALLERS: z.string().min(1, 'COSIGNER_CALLERS is required'),
  /** Serve https with this certificate and key (PEM file paths). */
  COSIGNER_TLS_CERT: z.string().optional(),
  COSIGNER_TLS_KEY: z.string().optional(),
  /** Set by a host that also runs the main service: the co-signer refuses to start with the same key. */
  MASTER_KEY: z.string().optional(),
});

export type CosignerConfig = z.infer<typeof schema>;

export function loadCosignerConfig(env: NodeJS.ProcessEnv = process.env): CosignerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `invalid co-signer configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const c = parsed.data;
  if (c.COSIGNER_MASTER_KEY && c.MASTER_KEY && c.COSIGNER_MASTER_KEY.trim() === c.MASTER_KEY.trim())
    throw new Error('invalid co-signer configuration: COSIGNER_MASTER_KEY must not be the main service MASTER_KEY');
  if (Boolean(c.COSIGNER_TLS_CERT) !== Boolean(c.COSIGNER_TLS_KEY))
    throw new Error('invalid co-signer configuration: COSIGNER_TLS_CERT and COSIGNER_TLS_KEY go together');
  return c;
}

/** The key-provider settings under the co-signer's own names. */
export function cosignerKeyProviderConfig(c: CosignerConfig): KeyProviderConfig {
  return {
    KEY_PROVIDER: c.COSIGNER_KEY_PROVIDER,
    MASTER_KEY: c.COSIGNER_MASTER_KEY,
    MASTER_KEY_PREVIOUS: c.COSIGNER_MASTER_KEY_PREVIOUS,
    AWS_KMS_KEY_ID: c.COSIGNER_AWS_KMS_KEY_ID,
    AWS_KMS_PREVIOUS_KEY_IDS: c.COSIGNER_AWS_KMS_PREVIOUS_KEY_IDS,
    AWS_REGION: c.AWS_REGION,
    AWS_KMS_ENDPOINT: c.AWS_KMS_ENDPOINT,
  };
}

export function cosignerTls(c: CosignerConfig): { cert: string; key: string } | undefined {
  if (!c.COSIGNER_TLS_CERT || !c.COSIGNER_TLS_KEY) return undefined;
  return { cert: readFileSync(c.COSIGNER_TLS_CERT, 'utf8'), key: readFileSync(c.COSIGNER_TLS_KEY, 'utf8') };
}
