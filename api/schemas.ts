/**
 * Request schemas (zod): one source for the routes' validation and the OpenAPI document (api/openapi/), which
 * converts these very objects to JSON Schema. A route validates with `parse(schema, …)`; its operation in
 * api/openapi/operations.ts names the same schema.
 */
import { z } from 'zod';
import { badRequest } from '../errors/codes.js';
import { STORED_STATUSES } from '../portal/share-pairs.js';
import { SIGN_METHODS } from '../portal/sign-methods.js';
import { AUDIT_EVENT_TYPES } from '../storage/audit.js';
import { EVENT_TYPES } from '../webhooks/events.js';

const WEBHOOK_EVENT_TYPES = EVENT_TYPES.filter((t) => t !== 'webhook.test') as [string, ...string[]];

const hexNonce = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,16}$/, 'nonce must be a hex string like "0x0" or "0x1a"')
  .describe('Portal-style hex nonce / sequence override');

export const sendAssetsBody = z.strictObject({
  chain: z.string().min(1).max(100).describe('Portal chain name (ethereum, base, anvil, …) or CAIP-2 id'),
  to: z.string().min(1).max(200),
  token: z.string().min(1).max(200).describe('NATIVE, USDC, USDT or a token contract / mint address'),
  amount: z.string().min(1).max(100).describe('decimal string, e.g. "0.1"'),
  walletId: z.string().min(1).max(100).optional().describe('sender wallet (server API keys)'),
  share: z.string().min(1).max(100_000).optional().describe('client MPC share (client-held wallets)'),
  nonce: hexNonce.optional(),
  maxFee: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('ceiling on the total network fee, decimal string in the native unit, e.g. "0.002" (ETH)'),
  metadataStr: z.string().max(2000).optional(),
  memoType: z
    .enum(['text', 'id'])
    .optional()
    .describe(
      'Stellar: how metadataStr is written on chain, MEMO_TEXT (default) or MEMO_ID (a uint64, what exchanges use)',
    ),
  rpcUrl: z.url().optional(),
});
export type SendAssetsBody = z.infer<typeof sendAssetsBody>;

/** POST /v1/transfers/:id/speed-up: optionally a new ceiling on the total fee of the replacement. */
export const speedUpBody = z.strictObject({
  maxFee: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('new ceiling on the total network fee of the replacement, decimal string in the native unit'),
});

/** POST /v1/transfers/:id/cancel takes no options. */
export const cancelBody = z.strictObject({});

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:-]+$/, 'Idempotency-Key may contain letters, digits, ".", "_", ":" and "-"');

export const createWalletBody = z.strictObject({
  userId: z.string().min(1).max(200),
});

export const faucetBody = z.strictObject({
  chain: z.string().default('anvil'),
  address: z.string().min(1).max(200),
  amount: z.string().min(1).max(100),
  token: z.string().optional(),
});

export const listTransfersQuery = z.strictObject({
  status: z
    .enum(['pending', 'signed', 'submitted', 'confirmed', 'finalized', 'failed', 'replaced', 'needs_attention'])
    .optional(),
  chain: z.string().optional(),
  walletId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});

const webhookEventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(20);

export const createWebhookBody = z.strictObject({
  url: z.string().min(1).max(2000),
  events: webhookEventTypes.optional().describe('event types to deliver; omitted or empty: all'),
  description: z.string().max(500).optional(),
});

export const updateWebhookBody = z.strictObject({
  url: z.string().min(1).max(2000).optional(),
  events: webhookEventTypes.optional(),
  description: z.string().max(500).nullable().optional(),
  disabled: z.boolean().optional(),
});

export const replayWebhookBody = z.strictObject({
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }).optional(),
  types: z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(20).optional(),
});

export const redeliverEventBody = z.strictObject({
  endpointId: z.string().min(1).max(100).optional(),
});

export const listDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});

/** A body that must be empty (`{}` or none). */
export const emptyBody = z.strictObject({});

export const testKeyBody = z.strictObject({ label: z.string().min(1).max(200).optional() });

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]{1,19}$/, 'cursor is not valid')
    .refine((c) => !/^[0-9]+$/.test(c) || BigInt(c) <= 9_223_372_036_854_775_807n, 'cursor is not valid') // a bigint
    .optional(),
  type: z.enum(AUDIT_EVENT_TYPES).optional(),
  walletId: z.string().min(1).max(100).optional(),
});

export const unlockBody = z.strictObject({
  curve: z
    .string()
    .transform((c) => c.toUpperCase())
    .pipe(z.enum(['SECP256K1', 'ED25519']))
    .describe('SECP256K1 or ED25519 (any case)'),
});

export const signMessageBody = z.strictObject({ message: z.string().min(1).max(100_000) });

// Portal's client API (api/routes/portal-client.ts)
const share = z.string().min(1).max(100_000).describe('a client MPC share (base64), never logged nor echoed');
const pairIds = z.array(z.string().min(1).max(100)).min(1).max(10);
export const confirmSigningBody = z.strictObject({
  status: z.enum(STORED_STATUSES.signing),
  signingSharePairIds: pairIds,
});
export const confirmBackupBody = z.strictObject({
  status: z.enum(STORED_STATUSES.backup),
  backupSharePairIds: pairIds,
});
export const backupBody = z.strictObject({
  generateResponse: z.union([z.string().max(200_000), z.record(z.string(), z.unknown())]),
});
export const recoverBody = z.strictObject({
  backupResponse: z.union([z.string().max(200_000), z.record(z.string(), z.unknown())]),
});
export const signBody = z.strictObject({
  method: z.enum(SIGN_METHODS),
  params: z.string().max(200_000),
  share,
  chainId: z.string().min(1).max(100),
  to: z.string().max(200).optional(),
  rpcUrl: z.string().max(2000).optional(),
  metadataStr: z.string().max(2000).optional(),
  maxFee: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('eth_sendTransaction / sol_signAndSendTransaction: ceiling on the total network fee (native unit)'),
});
export const rawSignBody = z
  .strictObject({
    param: z.string().max(20_000).optional().describe('hex digest (SECP256K1: 32 bytes) or message (ED25519)'),
    params: z.string().max(20_000).optional().describe('alias of param'),
    share,
  })
  .refine((b) => (b.param ?? b.params) !== undefined, { message: 'param is required', path: ['param'] });

/** Parses with a schema; failures become 400 BAD_REQUEST naming the first bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw badRequest(`${field}: ${issue.message}`);
}
