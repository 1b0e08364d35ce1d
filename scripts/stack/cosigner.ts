/**
 * The co-signer for the dev stack and tests: its own database and role (cosigner-db.ts), its own key-encryption
 * key, a response key, and one caller key pair shared by the API and worker of the stack, as the two environments.
 */
import { newKeyPairHex, privateKeyFromHex, publicKeyHexOf } from '../../signer/cosigner/auth.js';
import { provisionCosignerDatabase } from './cosigner-db.js';

export interface CosignerSecrets {
  /** Co-signer key-encryption key (hex, 32 bytes). */
  masterKey: string;
  /** Its response-signing seed and the stack's caller seed (hex, 32 bytes each). */
  signingKey: string;
  callerKey: string;
  dbPassword: string;
}

export function newCosignerSecrets(random: () => string = () => newKeyPairHex().privateKey): CosignerSecrets {
  return { masterKey: random(), signingKey: random(), callerKey: random(), dbPassword: random() };
}

export async function cosignerEnvironments(
  adminDatabaseUrl: string,
  secrets: CosignerSecrets,
  opts: { port: number; database?: string; role?: string },
): Promise<{ cosigner: Record<string, string>; services: Record<string, string>; url: string }> {
  const db = await provisionCosignerDatabase(adminDatabaseUrl, {
    password: secrets.dbPassword,
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.role ? { role: opts.role } : {}),
  });
  const url = `http://127.0.0.1:${opts.port}`;
  const callerPublic = publicKeyHexOf(privateKeyFromHex(secrets.callerKey));
  return {
    url,
    cosigner: {
      COSIGNER_DATABASE_URL: db.url,
      COSIGNER_PORT: String(opts.port),
      COSIGNER_MASTER_KEY: secrets.masterKey,
      COSIGNER_SIGNING_KEY: secrets.signingKey,
      COSIGNER_CALLERS: `stack=${callerPublic}`,
    },
    services: {
      COSIGNER_URL: url,
      COSIGNER_CALLER_ID: 'stack',
      COSIGNER_CALLER_KEY: secrets.callerKey,
      COSIGNER_PUBLIC_KEY: publicKeyHexOf(privateKeyFromHex(secrets.signingKey)),
    },
  };
}
