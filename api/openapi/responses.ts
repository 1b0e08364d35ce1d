/**
 * Response schemas (zod) of the OpenAPI document: what each route sends. The views the routes build are checked
 * against these at compile time (the `_Checks` type at the end) and every response of the contract and fuzz tests
 * is validated against the generated document.
 */
import { z } from 'zod';
import type { AuditEventView } from '../../storage/audit.js';
import type { HistoryEvent } from '../../transfers/history.js';
import type { AttemptView, TransferView } from '../../transfers/view.js';
import type { WalletView } from '../../wallets/view.js';
import type { AttemptView as DeliveryView, EndpointView } from '../../webhooks/endpoints.js';
import type { ReplacementResult } from '../../workflows/shared.js';

/** A named schema: `#/components/schemas/<id>` in the document. */
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T =>
  schema.meta({ id, ...(description ? { description } : {}) });

const isoTime = z.string().describe('ISO 8601 timestamp (UTC)');
const nullableTime = isoTime.nullable();
const cursor = z.string().nullable().describe('opaque cursor of the next page; null on the last page');

export const errorResponse = named(
  'Error',
  z.object({
    id: z
      .string()
      .describe(
        'stable error id clients branch on: one of ErrorId (see that schema) or, for chain-level failures, a chain error id such as `nonce_too_low`',
      ),
    message: z.string().describe('short human-readable message; never contains secrets or shares'),
  }),
  'Every error is `{ id, message }` with the status of api/errors.ts',
);

export const transferStatus = named(
  'TransferStatus',
  z.enum(['pending', 'signed', 'submitted', 'confirmed', 'finalized', 'failed', 'replaced', 'needs_attention']),
);

export const attemptView = named(
  'TransferAttempt',
  z.object({
    attempt: z.number().int(),
    transactionHash: z.string(),
    raw: z.string().describe('the signed transaction bytes (hex or base64, per chain)'),
    details: z.unknown().describe('chain facts of the attempt: nonce, fee caps, inputs, blockhash, expiration …'),
    reason: z.string().describe('why this attempt was signed (initial, fee_bump, speed_up, cancel, expired …)'),
    signedAt: isoTime,
    broadcastAt: nullableTime,
    dead: z.object({ at: isoTime, evidence: z.string() }).nullable(),
  }),
);

export const transferView = named(
  'Transfer',
  z.object({
    transferId: z.string(),
    kind: z.string().describe('transfer, or a caller-built transaction (evm_call, solana_transaction)'),
    status: transferStatus,
    chain: z.string(),
    caip2: z.string(),
    walletId: z.string(),
    from: z.string(),
    to: z.string(),
    token: z.string(),
    tokenAddress: z.string().nullable(),
    tokenDecimals: z.number().int(),
    amount: z.string(),
    rawAmount: z.string(),
    nonce: z.string().nullable(),
    maxFee: z.string().nullable().describe('the ceiling on the total network fee, native base units'),
    fee: z.string().nullable(),
    transactionHash: z.string().nullable(),
    confirmations: z.number().int(),
    requiredConfirmations: z.number().int(),
    blockNumber: z.string().nullable(),
    blockHash: z.string().nullable(),
    metadataStr: z.string().nullable(),
    callData: z.string().nullable(),
    idempotencyKey: z.string(),
    error: z.object({ id: z.string(), message: z.string() }).nullable(),
    timestamps: z.record(z.string(), nullableTime).describe('when the transfer entered each state'),
    createdAt: isoTime,
    updatedAt: isoTime,
    attempts: z.array(attemptView).optional().describe('every signed attempt (GET /v1/transfers/{id} only)'),
  }),
);

export const transferPage = named('TransferPage', z.object({ data: z.array(transferView), nextCursor: cursor }));

export const sendAccepted = named(
  'SendAccepted',
  z.object({
    transactionHash: z.string().nullable(),
    transferId: z.string(),
    status: transferStatus,
  }),
  '202: the transfer is recorded and its workflow runs, but broadcast did not complete within the wait',
);

export const sendResponse = named(
  'SendResponse',
  z.object({
    transactionHash: z.string(),
    metadata: z.object({
      amount: z.string(),
      rawAmount: z.string(),
      tokenAddress: z.string().nullable(),
      tokenDecimals: z.number().int(),
    }),
    transferId: z.string(),
    status: transferStatus,
  }),
  "Portal's send response: the RPC accepted the transaction",
);

export const historyEvent = named(
  'HistoryEvent',
  z.object({
    at: isoTime,
    event: z.string(),
    step: z.string().optional(),
    attempt: z.number().int().optional(),
    error: z.object({ id: z.string(), message: z.string() }).optional(),
    detail: z.string().optional(),
  }),
);

export const transferHistory = named(
  'TransferHistory',
  z.object({ transferId: z.string(), workflowId: z.string(), events: z.array(historyEvent) }),
);

export const replacementResult = named(
  'Replacement',
  z.object({
    transferId: z.string(),
    kind: z.enum(['speed_up', 'cancel']),
    attempt: z.number().int(),
    transactionHash: z.string(),
  }),
);

export const walletView = named(
  'Wallet',
  z.object({
    walletId: z.string(),
    userId: z.string().nullable(),
    custody: z.string().describe('server or client'),
    address: z.string().nullable().describe('the EVM address'),
    publicKey: z.string().nullable().describe('secp256k1 compressed public key, hex'),
    ed25519PublicKey: z.string().nullable(),
    addresses: z.record(z.string(), z.string()).describe('address per chain family / chain'),
    createdAt: isoTime,
  }),
);

export const serverWallet = named('ServerWallet', walletView.extend({ success: z.literal(true) }));

export const signedMessage = named(
  'SignedMessage',
  z.object({
    success: z.literal(true),
    walletId: z.string(),
    address: z.string().nullable(),
    message: z.string(),
    signature: z.string().describe('EIP-191 signature, 0x-hex (65 bytes)'),
  }),
);

export const faucetResult = named(
  'FaucetResult',
  z.object({
    success: z.literal(true),
    chain: z.string(),
    address: z.string(),
    amount: z.string(),
    rawAmount: z.string(),
    hash: z.string().optional(),
  }),
);

export const auditEvent = named(
  'AuditEvent',
  z.object({
    id: z.string(),
    type: z.string(),
    walletId: z.string().nullable(),
    curve: z.string().nullable(),
    actor: z.object({ kind: z.string(), id: z.string().nullable() }),
    details: z.unknown(),
    createdAt: isoTime,
  }),
);

export const auditPage = named('AuditEventPage', z.object({ data: z.array(auditEvent), nextCursor: cursor }));

export const unlockResult = named(
  'UnlockResult',
  z.object({ walletId: z.string(), curve: z.enum(['SECP256K1', 'ED25519']), unlocked: z.boolean() }),
);

export const revokedKey = named('RevokedApiKey', z.object({ keyId: z.string(), revoked: z.literal(true) }));

export const createdClient = named('CreatedClient', z.object({ id: z.string(), clientSessionToken: z.string() }));
export const clientSession = named('ClientSession', z.object({ clientSessionToken: z.string() }));
export const testClientKey = named(
  'TestClientApiKey',
  z.object({ id: z.string(), clientId: z.string(), clientApiKey: z.string().describe('shown once') }),
);
export const custodianClient = named(
  'Client',
  z.object({ id: z.string(), createdAt: isoTime, wallet: walletView.nullable() }),
);
export const revokedSessions = named('RevokedSessions', z.object({ revoked: z.number().int() }));

const sharePair = z.object({ share: z.string(), id: z.string().describe('share pair id, to confirm storage') });
export const shareResponse = named(
  'ShareResponse',
  z.object({ SECP256K1: sharePair.optional(), ED25519: sharePair.optional() }),
  'client shares per curve (shown once: store them, then confirm the pair ids)',
);

export const signatureData = named('SignatureData', z.object({ data: z.string() }));
export const sentTransaction = named(
  'SentTransaction',
  z.object({
    data: z.string().nullable().describe('the transaction hash (null while the broadcast is pending)'),
    transferId: z.string(),
    status: transferStatus,
  }),
);

export const webhookEndpoint = named(
  'WebhookEndpoint',
  z.object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    disabled: z.boolean(),
    disabledAt: nullableTime,
    disabledReason: z.string().nullable(),
    failingSince: nullableTime,
    secretRotatedUntil: nullableTime,
    createdAt: isoTime,
    updatedAt: isoTime,
  }),
);
export const createdWebhookEndpoint = named(
  'CreatedWebhookEndpoint',
  webhookEndpoint.extend({ secret: z.string().describe('signing secret (whsec_…), shown once') }),
);
export const webhookEndpointList = named('WebhookEndpointList', z.object({ data: z.array(webhookEndpoint) }));
export const rotatedSecret = named(
  'RotatedWebhookSecret',
  z.object({ id: z.string(), secret: z.string(), previousSecretExpiresAt: isoTime }),
);
export const testEvent = named('WebhookTestEvent', z.object({ eventId: z.string() }));
export const queued = named('Queued', z.object({ queued: z.number().int() }));
export const webhookDelivery = named(
  'WebhookDelivery',
  z.object({
    id: z.string(),
    deliveryId: z.string(),
    eventId: z.string(),
    type: z.string(),
    attempt: z.number().int(),
    statusCode: z.number().int().nullable(),
    durationMs: z.number().int(),
    error: z.string().nullable(),
    nextRetryAt: nullableTime,
    createdAt: isoTime,
  }),
);
export const webhookDeliveryPage = named(
  'WebhookDeliveryPage',
  z.object({ data: z.array(webhookDelivery), nextCursor: cursor }),
);

const healthCheck = z.object({
  name: z.string(),
  ok: z.boolean(),
  ms: z.number().int().optional().describe('with a server API key only'),
  reason: z.enum(['timeout', 'unreachable', 'no_worker']).optional().describe('with a server API key only'),
});
export const health = named(
  'Health',
  z.object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), healthCheck) }),
);

/** The views the routes send fit their schemas (a compile error here means the document would lie). */
type Fits<T, S extends z.ZodType> = T extends z.output<S> ? true : false;
type Assert<T extends true> = T;
export type _Checks = [
  // The row stores the status as text; the workflow only ever writes a TransferStatus.
  Assert<Fits<Omit<TransferView, 'status'> & { status: z.output<typeof transferStatus> }, typeof transferView>>,
  Assert<Fits<AttemptView, typeof attemptView>>,
  Assert<Fits<HistoryEvent, typeof historyEvent>>,
  Assert<Fits<ReplacementResult, typeof replacementResult>>,
  Assert<Fits<WalletView, typeof walletView>>,
  Assert<Fits<AuditEventView, typeof auditEvent>>,
  Assert<Fits<EndpointView, typeof webhookEndpoint>>,
  Assert<Fits<DeliveryView, typeof webhookDelivery>>,
];
