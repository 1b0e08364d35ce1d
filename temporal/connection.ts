/**
 * How the API and the worker reach Temporal: plaintext on a private network (the default), TLS with a private CA
 * and an mTLS client certificate (`TEMPORAL_TLS_*`, file paths), or Temporal Cloud's API key (`TEMPORAL_API_KEY`,
 * which implies TLS). Both processes use the same options, so neither is left on plaintext by accident.
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { AppConfig } from '../config/env.js';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | true;
  apiKey?: string;
}

type TemporalEnv = Pick<
  AppConfig,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_TLS_CERT'
  | 'TEMPORAL_TLS_KEY'
  | 'TEMPORAL_TLS_CA'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

export function temporalConnectionOptions(
  config: TemporalEnv,
  readFile: (path: string) => Buffer = (path) => readFileSync(path),
): TemporalConnectionOptions {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca } = config;
  if (Boolean(cert) !== Boolean(key))
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (the mTLS client certificate and its key)');
  const tls: TLSConfig = {
    ...(cert && key ? { clientCertPair: { crt: readFile(cert), key: readFile(key) } } : {}),
    ...(ca ? { serverRootCACertificate: readFile(ca) } : {}),
    ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  const customised = Object.keys(tls).length > 0;
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(customised ? { tls } : config.TEMPORAL_API_KEY ? { tls: true as const } : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}
