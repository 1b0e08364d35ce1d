/** Request schemas (zod): one source for validation (and, later, the OpenAPI document). */
import { z } from 'zod';
import { badRequest } from '../errors/codes.js';
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

/** Parses with a schema; failures become 400 BAD_REQUEST naming the first bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw badRequest(`${field}: ${issue.message}`);
}
