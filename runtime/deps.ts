/**
 * Builds the long-lived dependencies shared by the API and the worker from configuration:
 * database, chain registry, the 2-of-2 MPC signer (shares sealed in PostgreSQL), the client-share
 * vault, wallet services, Temporal data converter.
 */
import { readFileSync } from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import { ChainRegistry } from '../chains/registry.js';
import { type AppConfig, assertSigningConfig } from '../config/env.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ClientWallets } from '../portal/client-wallets.js';
import { type Clock, systemClock } from '../portal/credentials.js';
import { parseClientShare } from '../portal/shares.js';
import { privateKeyFromHex, publicKeyFromHex } from '../signer/cosigner/auth.js';
import { CosignerClient } from '../signer/cosigner/client.js';
import { refusingCosigner } from '../signer/cosigner/none.js';
import { Envelope } from '../signer/envelope.js';
import { keyRingFromConfig } from '../signer/key-providers/from-config.js';
import { ComputePool } from '../signer/mpc/compute-pool.js';
import type { PaillierPrivateKey } from '../signer/mpc/paillier.js';
import { MpcSigner } from '../signer/mpc-signer.js';
import { createPrisma } from '../storage/db.js';
import { PrismaShareStore } from '../storage/share-store.js';
import { ShareVault } from '../storage/share-vault.js';
import { PrismaSigningGuard } from '../storage/signing-guard.js';
import { codecKeyFrom } from '../temporal/codec.js';
import { encryptedDataConverter } from '../temporal/data-converter.js';
import { WalletService } from '../wallets/service.js';
import { WebhookEndpoints } from '../webhooks/endpoints.js';
import { type WebhookOptions, webhookOptions } from '../webhooks/options.js';
import { WebhookSecrets } from '../webhooks/secrets.js';
import { PaillierKeyPool, type PaillierKeySource } from './paillier-keys.js';

export interface Runtime {
  prisma: PrismaClient;
  chains: ChainRegistry;
  signer: MpcSigner;
  wallets: WalletService;
  clientWallets: ClientWallets;
  shareVault: ShareVault;
  /** Signing locks (after a failed partial signature) and their audit; shared by the API and the worker. */
  signingGuard: PrismaSigningGuard;
  /** POST /v1/assets/send hook: seals a client share and returns the reference the workflow carries. */
  vaultShare: (walletId: string, curve: string, share: string) => Promise<string>;
  now: Clock;
  dataConverter: DataConverter;
  /** Webhook endpoints (API) and what the dispatcher needs (worker). */
  webhooks: WebhookEndpoints;
  webhookSecrets: WebhookSecrets;
  webhookOptions: WebhookOptions;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  chains?: ChainRegistry;
  /**
   * Paillier keys for 2P-ECDSA key generation. Default: fresh 2048-bit keys from a small background pool.
   * Tests may pass `testPaillierKeySource()` (signer/mpc/test-keys.ts: TEST ONLY, the factorisations are public).
   */
  paillierKeys?: PaillierKeySource;
  /**
   * Where the runtime's key pool gets its raw Paillier keys (default: fresh 2048-bit keys). Tests pass the TEST-ONLY
   * fixture keys here to keep the production pool (range-proof commitments precomputed on the compute pool, ahead
   * of demand) while skipping prime generation.
   */
  paillierGenerator?: () => Promise<PaillierPrivateKey>;
  /** Clock for credential expiry and vault TTLs (tests fake it). */
  now?: Clock;
  /** Presignatures kept ready per server wallet (default 8; 0 disables). */
  presignatures?: number;
  /**
   * false: this process never signs (a `WORKER_ROLE=transfers` worker): no co-signer credentials are needed and every
   * signing round is refused.
   */
  signs?: boolean;
}

export function buildRuntime(config: AppConfig, overrides: RuntimeOverrides = {}): Runtime {
  const signs = overrides.signs ?? true;
  if (signs) assertSigningConfig(config);
  // KEY_PROVIDER picks local MASTER_KEY or AWS KMS; previous keys still open records until they are rewrapped.
  const keyRing = keyRingFromConfig(config);
  const envelope = new Envelope(keyRing);
  const prisma = createPrisma(config.DATABASE_URL);
  const chains = overrides.chains ?? new ChainRegistry();
  const now = overrides.now ?? systemClock;
  const shareVault = new ShareVault(prisma, envelope, { now });
  // secp256k1 key generation and re-sharing (seconds of CPU each) run on worker threads, off the event loop.
  const compute = new ComputePool({ size: config.MPC_COMPUTE_THREADS });
  // Pooled Paillier keys come with their range-proof commitments, precomputed on the compute pool.
  const pool = overrides.paillierKeys
    ? undefined
    : new PaillierKeyPool(2, overrides.paillierGenerator, (key) => compute.prepareEcdsaPaillierKey(key));
  const signingGuard = new PrismaSigningGuard(prisma);
  const cosigner = signs
    ? cosignerFromConfig(config)
    : refusingCosigner('this process does not sign (WORKER_ROLE=transfers): signing runs on npm run worker:signing');
  const signer = new MpcSigner({
    // This process holds the server party (server shares and server backup halves). The client party of server
    // wallets is the co-signer (COSIGNER_URL: its own process, database and key) or, without one (never in
    // production), a separate party-confined store here; client-held wallets' client shares are never stored.
    serverStore: new PrismaShareStore(prisma, ['server', 'server-backup']),
    ...(cosigner ? { cosigner } : { clientStore: new PrismaShareStore(prisma, ['client']) }),
    envelope,
    resolveClientShare: (ref) => shareVault.resolve(ref),
    paillierKeys: overrides.paillierKeys ?? pool!.take,
    compute,
    guard: signingGuard,
    ...(overrides.presignatures !== undefined ? { presignatures: overrides.presignatures } : {}),
  });
  const wallets = new WalletService(prisma, chains, signer);
  const clientWallets = new ClientWallets({ prisma, signer, wallets, vault: shareVault, now });
  const dataConverter = encryptedDataConverter(codecKeyFrom(config));
  const webhookSecrets = new WebhookSecrets(envelope);
  const hookOptions = webhookOptions(config);
  return {
    prisma,
    chains,
    signer,
    wallets,
    clientWallets,
    shareVault,
    signingGuard,
    vaultShare: (walletId, curve, share) => clientWallets.vaultForTransfer(walletId, curve, parseClientShare(share)),
    now,
    dataConverter,
    webhooks: new WebhookEndpoints(prisma, webhookSecrets, hookOptions),
    webhookSecrets,
    webhookOptions: hookOptions,
    async close() {
      signer.close();
      if (cosigner instanceof CosignerClient) cosigner.close();
      pool?.stop();
      await compute.close();
      await prisma.$disconnect();
      keyRing.close();
    },
  };
}

function cosignerFromConfig(config: AppConfig): CosignerClient | undefined {
  if (!config.COSIGNER_URL) return undefined;
  return new CosignerClient({
    url: config.COSIGNER_URL,
    callerId: config.COSIGNER_CALLER_ID as string,
    callerKey: privateKeyFromHex(config.COSIGNER_CALLER_KEY as string, 'COSIGNER_CALLER_KEY'),
    cosignerKey: publicKeyFromHex(config.COSIGNER_PUBLIC_KEY as string, 'COSIGNER_PUBLIC_KEY'),
    ...(config.COSIGNER_TLS_CA ? { ca: readFileSync(config.COSIGNER_TLS_CA, 'utf8') } : {}),
  });
}
