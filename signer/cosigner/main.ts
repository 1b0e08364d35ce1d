/**
 * `npm run cosigner`: the second party of server wallets as its own process, with its own database, its own
 * key-encryption key and its own allow-list of callers (docs/mpc.md "The co-signer").
 */
import pino from 'pino';
import { Envelope } from '../envelope.js';
import { keyRingFromConfig } from '../key-providers/from-config.js';
import { parseCallers, privateKeyFromHex, publicKeyHexOf } from './auth.js';
import { cosignerKeyProviderConfig, cosignerTls, loadCosignerConfig } from './config.js';
import { LocalCosigner } from './local.js';
import { PgCosignerStore } from './pg-store.js';
import { startCosignerServer } from './server.js';

const log = pino({ name: 'cosigner', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = loadCosignerConfig();
  const keyRing = keyRingFromConfig(cosignerKeyProviderConfig(config));
  const store = new PgCosignerStore(config.COSIGNER_DATABASE_URL);
  await store.migrate();
  const party = new LocalCosigner({ store, envelope: new Envelope(keyRing) });
  const signingKey = privateKeyFromHex(config.COSIGNER_SIGNING_KEY, 'COSIGNER_SIGNING_KEY');
  const callers = parseCallers(config.COSIGNER_CALLERS);
  const tls = cosignerTls(config);
  const server = await startCosignerServer({
    party,
    callers,
    signingKey,
    host: config.COSIGNER_HOST,
    port: config.COSIGNER_PORT,
    ...(tls ? { tls } : {}),
    onRefused: (info) => {
      log.warn(info, 'co-signer request refused');
      store.logRefusal(info).catch((err: unknown) => log.error({ err }, 'refusal log write failed'));
    },
  });
  if (!tls && config.NODE_ENV === 'production')
    log.warn('co-signer serves plain http: put it on a private network or set COSIGNER_TLS_CERT/KEY');
  log.info(
    { url: server.url, callers: [...callers.keys()], publicKey: publicKeyHexOf(signingKey) },
    'co-signer listening',
  );
  const stop = async () => {
    await server.close();
    party.close();
    await store.close();
    keyRing.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  log.error({ err: err instanceof Error ? err.message : String(err) }, 'co-signer failed to start');
  process.exit(1);
});
