/**
 * The HTTP API process.
 *   npm run api   (env: see README "Configuration")
 */
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { type AppConfig, loadConfig } from '../config/env.js';
import { buildRuntime, type Runtime } from '../runtime/deps.js';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { createApp } from './app.js';
import { seedServerKey } from './auth.js';
import { rateLimitsFrom, trustProxyFrom } from './rate-limit.js';

export async function startApi(
  config: AppConfig,
  runtime: Runtime,
): Promise<{ server: Server; url: string; temporal: Client; close(): Promise<void> }> {
  const logger = pino({ level: config.LOG_LEVEL, redact: ['req.headers.authorization', '*.share', '*.privateKey'] });
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: runtime.dataConverter,
  });
  if (config.DEV_API_KEY) await seedServerKey(runtime.prisma, config.DEV_TENANT_ID, config.DEV_API_KEY, 'DEV_API_KEY');
  const app = createApp({
    ...runtime,
    temporal,
    config,
    logger,
    rateLimits: rateLimitsFrom(config),
    ...trustProxyFrom(config),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.API_PORT, config.API_HOST, () => resolve(s));
  });
  const addr = server.address();
  const url = `http://${config.API_HOST}:${typeof addr === 'object' && addr ? addr.port : config.API_PORT}`;
  return {
    server,
    url,
    temporal,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = buildRuntime(config);
  const api = await startApi(config, runtime);
  console.log(`API listening on ${api.url}`);
  const stop = async () => {
    await api.close();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
