/** What every route handler can reach, injected once at app creation. */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ChainRegistry } from '../chains/registry.js';
import type { AppConfig } from '../config/env.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ClientWallets } from '../portal/client-wallets.js';
import type { MpcSigner } from '../signer/mpc-signer.js';
import type { WalletService } from '../wallets/service.js';
import type { WebhookEndpoints } from '../webhooks/endpoints.js';
import type { RateLimits } from './rate-limit.js';

export interface AppDeps {
  prisma: PrismaClient;
  temporal: Client;
  chains: ChainRegistry;
  wallets: WalletService;
  config: Pick<
    AppConfig,
    | 'TEMPORAL_TASK_QUEUE'
    | 'TEMPORAL_SIGNING_TASK_QUEUE'
    | 'TEMPORAL_NAMESPACE'
    | 'ALLOW_REQUEST_RPC_URL'
    | 'ENABLE_DEV_FAUCET'
    | 'BROADCAST_TRY_TIMEOUT_MS'
    | 'ACCEPTANCE_TIMEOUT_MS'
    | 'BROADCAST_TOTAL_TIMEOUT_MS'
    | 'METRICS_TOKEN'
  >;
  logger: Logger;
  /** Stores a client-held share encrypted and returns a reference (client wallets, MPC). */
  vaultShare?: (walletId: string, curve: string, share: string) => Promise<string>;
  /** The MPC signer (server-wallet message signing). */
  signer?: MpcSigner;
  /** Portal client-held wallets (generate, backup, recover, sign with a client share). */
  clientWallets?: ClientWallets;
  /** Webhook endpoints, replay and delivery log (absent: the webhook routes answer 503). */
  webhooks?: WebhookEndpoints;
  /** Clock for credential expiry (tests fake it). */
  now?: () => Date;
  /**
   * Express `trust proxy` (TRUST_PROXY): which hops' X-Forwarded-For to believe for the client IP (per-IP limits,
   * logs). Unset: none, so a client cannot pick its own address with that header.
   */
  trustProxy?: string | number;
  /** API rate limits (default: DEFAULT_RATE_LIMITS). */
  rateLimits?: RateLimits;
}

export interface AuthContext {
  tenantId: string;
  kind: 'server' | 'client_session' | 'client_test';
  keyId: string;
  /** Client credentials (CST, test client key) are scoped to one client. */
  clientId?: string;
}

/** Idempotency keys are per credential holder: the tenant's server keys share one space, each client its own. */
export function idempotencyScopeOf(auth: AuthContext): string {
  return auth.clientId ? `client:${auth.clientId}` : 'server';
}

declare global {
  namespace Express {
    interface Request {
      auth?: AuthContext;
      log?: Logger;
    }
  }
}
