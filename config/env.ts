/** Process configuration from the environment, with the documented defaults (README "Configuration"). */
import { z } from 'zod';

/** The dev stack's server API key: published in the README, so never valid in production. */
export const PUBLISHED_DEV_API_KEY = 'cfsk_dev_local_only_change_me';

const schema = z.object({
  /** `production` turns off everything that only makes sense on a developer's machine (DEV_API_KEY, the faucet). */
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('transfers'),
  /** The signing fleet's task queue (prepareAttempt, sign); default `<TEMPORAL_TASK_QUEUE>-signing`. */
  TEMPORAL_SIGNING_TASK_QUEUE: z.string().min(1).optional(),
  /**
   * What `npm run worker` polls: `all` (workflows, I/O and signing: one process, the default), `transfers`
   * (workflows and I/O activities; no signing activity is registered) or `signing` (only the signing queue:
   * `npm run worker:signing`).
   */
  WORKER_ROLE: z.enum(['all', 'transfers', 'signing']).default('all'),
  /**
   * Concurrent signing activities per signing worker. Default: 2 × MPC_COMPUTE_THREADS (a prepareAttempt's chain
   * reads overlap another's MPC rounds; more slots than that only queue on the compute threads).
   */
  SIGNING_WORKER_SLOTS: z.coerce.number().int().min(1).optional(),
  /**
   * Activity slots of the transfers (I/O) workers: `fixed` (100) or `resource-based` (Temporal's resource-based tuner:
   * slots grow while the host stays under 80 % memory and 90 % CPU; 4–500 slots). The signing fleet is always fixed.
   */
  WORKER_ACTIVITY_TUNER: z.enum(['fixed', 'resource-based']).default('fixed'),
  /**
   * Worker Versioning (README "Deploying a new version"): the Worker Deployment this worker belongs to and its build
   * id. Set both to turn it on: transfers are Pinned to the build that started them; new transfers go to the
   * deployment's current version (`temporal worker deployment set-current-version`). Unset: unversioned workers.
   */
  WORKER_DEPLOYMENT_NAME: z.string().min(1).optional(),
  WORKER_BUILD_ID: z.string().min(1).optional(),
  /** TLS to Temporal (temporal/connection.ts): mTLS client certificate and key, and the server's CA (file paths). */
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  /** The name the server's certificate is checked against, when it is not the host of TEMPORAL_ADDRESS. */
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Temporal Cloud API key (implies TLS). */
  TEMPORAL_API_KEY: z.string().optional(),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().nonnegative().default(3000),
  /** Who wraps the data keys of sealed records: `local` (MASTER_KEY) or `aws-kms` (AWS_KMS_KEY_ID). */
  KEY_PROVIDER: z.enum(['local', 'aws-kms']).default('local'),
  /** 32-byte master key (64 hex chars or base64) for envelope encryption of key material (KEY_PROVIDER=local). */
  MASTER_KEY: z.string().optional(),
  /** Comma-separated previous master keys: still open records until `npm run keys:rewrap` moved them. */
  MASTER_KEY_PREVIOUS: z.string().optional(),
  /** The KMS key (ARN) that wraps data keys when KEY_PROVIDER=aws-kms. */
  AWS_KMS_KEY_ID: z.string().optional(),
  /** Comma-separated previous KMS key ARNs (unwrap only, until rewrapped). */
  AWS_KMS_PREVIOUS_KEY_IDS: z.string().optional(),
  AWS_REGION: z.string().optional(),
  /** A KMS-compatible endpoint instead of AWS's (local-kms in tests). */
  AWS_KMS_ENDPOINT: z.string().optional(),
  /** 32-byte key for the Temporal payload codec (defaults to one derived from MASTER_KEY). */
  PAYLOAD_CODEC_KEY: z.string().optional(),
  /** Seeded as the dev tenant's server API key by the dev stack; ignored when NODE_ENV=production. */
  DEV_API_KEY: z.string().optional(),
  /** Tenant the DEV_API_KEY belongs to. */
  DEV_TENANT_ID: z.string().default('dev'),
  /** Allow the per-request `rpcUrl` override (off by default: it lets callers make the server call any URL). */
  ALLOW_REQUEST_RPC_URL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Enables POST /v1/dev/faucet (the dev stack sets it); always off when NODE_ENV=production. */
  ENABLE_DEV_FAUCET: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  LOG_LEVEL: z.string().default('info'),
  /** Bearer token for GET /metrics (a Prometheus scraper); unset: a server API key reads it. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** The worker's Temporal SDK metrics as Prometheus text at http://<this>/metrics (e.g. 0.0.0.0:9464); unset: off. */
  TEMPORAL_METRICS_BIND_ADDRESS: z.string().optional(),
  /** Worker threads for MPC key generation and re-sharing (seconds of CPU each, kept off the event loop). */
  MPC_COMPUTE_THREADS: z.coerce.number().int().min(1).default(1),
  /**
   * How long POST /v1/assets/send waits for RPC acceptance before it answers 202 with the pending transfer (which goes
   * on; the caller polls GET /v1/transfers/:id or listens for webhooks).
   */
  ACCEPTANCE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** One broadcast try's time limit (Temporal start-to-close); a try that runs out is retried, never a failure. */
  BROADCAST_TRY_TIMEOUT_MS: z.coerce.number().int().positive().default(90_000),
  /** All tries of one broadcast (schedule-to-close); then the transfer watches the chain instead. */
  BROADCAST_TOTAL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 60_000),
  /** Accept webhook URLs on loopback / private / link-local addresses and plain http (the dev stack and tests). */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Delay before each delivery attempt (Svix's schedule, ≈ 27 h): durations with ms, s, m, h. */
  WEBHOOK_RETRY_SCHEDULE: z.string().default('0,5s,5m,30m,2h,5h,10h,10h'),
  /** One delivery attempt's time limit. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Events, deliveries and the delivery log are deleted after this many days. */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().positive().default(30),
  /** After a secret rotation the previous secret keeps signing for this long. */
  WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce.number().nonnegative().default(24),
  /** An endpoint whose every attempt failed for this long is disabled. */
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().positive().default(120),
  /** How often the dispatcher looks for due deliveries. */
  WEBHOOK_POLL_MS: z.coerce.number().int().positive().default(250),
  /** Deliveries in flight per dispatcher, and per endpoint (one slow consumer holds at most that many). */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().positive().default(32),
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().positive().default(8),
  /** API rate limits (api/rate-limit.ts): the window, and requests per window per client IP and per credential. */
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  RATE_LIMIT_PER_IP: z.coerce.number().int().nonnegative().default(1200),
  RATE_LIMIT_PER_CREDENTIAL: z.coerce.number().int().nonnegative().default(600),
  /**
   * Which proxies' X-Forwarded-For gives the client IP (Express `trust proxy`): a hop count or a comma list of
   * addresses, subnets or `loopback`/`linklocal`/`uniquelocal`. Unset: the socket address (the header is ignored).
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .refine((v) => v === undefined || !/^(true|\*)$/i.test(v.trim()), {
      message: "TRUST_PROXY=true would let any client choose its IP; give a hop count or the proxies' addresses",
    }),
  /** Key generation, backup, recover and signing requests per window per credential (0 = no limit, as above). */
  RATE_LIMIT_EXPENSIVE_PER_CREDENTIAL: z.coerce.number().int().nonnegative().default(30),
  /**
   * The co-signer (`npm run cosigner`), the second party of server wallets, and this process's credentials for it:
   * its caller id on the co-signer's allow-list, its Ed25519 request key (32-byte seed, hex), and the co-signer's
   * response key (hex). Unset: the second party runs in this process on the main database (refused in production).
   */
  COSIGNER_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  COSIGNER_CALLER_ID: z.string().optional(),
  COSIGNER_CALLER_KEY: z.string().optional(),
  COSIGNER_PUBLIC_KEY: z.string().optional(),
  /** PEM file of the CA that signed an https co-signer's certificate. */
  COSIGNER_TLS_CA: z.string().optional(),
  /** Run the webhook dispatcher in the worker process. */
  WEBHOOK_DISPATCHER: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

export type AppConfig = z.infer<typeof schema>;

/**
 * What a process that signs for server wallets (the API and the worker, through `buildRuntime`) needs in production:
 * the separate co-signer. Admin commands (`npm run api-key`, `keys:rewrap`) load the same configuration without it.
 */
export function assertSigningConfig(config: Pick<AppConfig, 'NODE_ENV' | 'COSIGNER_URL'>): void {
  if (config.NODE_ENV === 'production' && !config.COSIGNER_URL)
    throw new Error(
      'invalid configuration: COSIGNER_URL is required with NODE_ENV=production (server wallets need the separate co-signer: npm run cosigner)',
    );
}

/** The task queue of the signing fleet. */
export function signingTaskQueueOf(
  config: Pick<AppConfig, 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_SIGNING_TASK_QUEUE'>,
): string {
  return config.TEMPORAL_SIGNING_TASK_QUEUE ?? `${config.TEMPORAL_TASK_QUEUE}-signing`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const config = parsed.data;
  if (config.COSIGNER_URL && !(config.COSIGNER_CALLER_ID && config.COSIGNER_CALLER_KEY && config.COSIGNER_PUBLIC_KEY))
    throw new Error(
      'invalid configuration: COSIGNER_URL needs COSIGNER_CALLER_ID, COSIGNER_CALLER_KEY and COSIGNER_PUBLIC_KEY',
    );
  if (Boolean(config.WORKER_DEPLOYMENT_NAME) !== Boolean(config.WORKER_BUILD_ID))
    throw new Error('invalid configuration: WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID are set together or not at all');
  if (config.BROADCAST_TOTAL_TIMEOUT_MS < config.BROADCAST_TRY_TIMEOUT_MS)
    throw new Error('invalid configuration: BROADCAST_TOTAL_TIMEOUT_MS is shorter than BROADCAST_TRY_TIMEOUT_MS');
  if (config.NODE_ENV !== 'production') return config;
  if (config.DEV_API_KEY === PUBLISHED_DEV_API_KEY)
    throw new Error(
      'invalid configuration: DEV_API_KEY is the published dev key; refusing to start with NODE_ENV=production',
    );
  if (config.WEBHOOK_ALLOW_PRIVATE)
    throw new Error(
      'invalid configuration: WEBHOOK_ALLOW_PRIVATE=true lets webhook URLs reach loopback and private addresses; refusing to start with NODE_ENV=production',
    );
  // Production: no seeded dev key, no faucet, whatever the environment says.
  return { ...config, DEV_API_KEY: undefined, ENABLE_DEV_FAUCET: false };
}
