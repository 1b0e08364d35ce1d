/**
 * Every HTTP operation of the API: path, credentials, the request schemas the route validates with (imported from
 * api/schemas.ts, the same objects), the responses and the error ids it can answer. api/openapi/document.ts turns
 * this table into the OpenAPI 3.1 document; test/unit checks it lists exactly the routes Express serves.
 */
import type { z } from 'zod';
import { type ErrorId as ErrorIdType, ErrorId as Id } from '../../errors/codes.js';
import {
  auditQuery,
  backupBody,
  cancelBody,
  confirmBackupBody,
  confirmSigningBody,
  createWalletBody,
  createWebhookBody,
  emptyBody,
  faucetBody,
  listDeliveriesQuery,
  listTransfersQuery,
  rawSignBody,
  recoverBody,
  redeliverEventBody,
  replayWebhookBody,
  sendAssetsBody,
  signBody,
  signMessageBody,
  speedUpBody,
  testKeyBody,
  unlockBody,
  updateWebhookBody,
} from '../schemas.js';
import * as R from './responses.js';

/**
 * none: no credential · server: a server API key · client: a Client Session Token or test client API key ·
 * any: either · metrics: a server API key or METRICS_TOKEN.
 */
export type Auth = 'none' | 'server' | 'client' | 'any' | 'metrics';

export interface ResponseSpec {
  description: string;
  /** JSON body; absent: no body (204) or `text` below. */
  schema?: z.ZodType;
  /** A non-JSON body (media type → description). */
  text?: string;
  /** Response headers (name → description). */
  headers?: Record<string, string>;
}

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI path template (`{id}`); Express's is the same with `:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: Auth;
  /** Path parameters (name → description); a schema other than a string when the route checks one. */
  params?: Record<string, { description: string; schema?: z.ZodType }>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The route treats a missing body as `{}`. */
  bodyOptional?: boolean;
  /** Takes an `Idempotency-Key` header. */
  idempotencyKey?: boolean;
  responses: Record<number, ResponseSpec>;
  /** Error ids this route answers beyond the common ones (auth, rate limit, bad body, internal). */
  errors: readonly (ErrorIdType | string)[];
}

const idempotent = { 'Idempotency-Key': 'the key the transfer is stored under (the one sent, or a generated one)' };
const transferId = { id: { description: 'transfer id (transferId)' } };
const wallet = { walletIdOrAddress: { description: 'wallet id or its EVM address' } };
const clientId = { clientId: { description: 'client id' } };
const hookId = { id: { description: 'webhook endpoint id (we_…)' } };
const noContent = { description: 'done; no body' };

/** Ids a send (and Portal's eth_sendTransaction) can answer: validation, preflight and broadcast. */
const SEND_ERRORS = [
  Id.ChainUnsupported,
  Id.TokenUnsupported,
  Id.BadTo,
  Id.ToZeroAddress,
  Id.ToIsSender,
  Id.BadAmount,
  Id.BadNonce,
  Id.BadMaxFee,
  Id.FeeCapExceeded,
  Id.InsufficientFunds,
  Id.EstimateGasReverted,
  Id.ShareNotConfirmed,
  'mpc_share_invalid',
  Id.WalletNotFound,
  Id.IdempotencyConflict,
  Id.NonceConflict,
  Id.WalletLocked,
  Id.RpcFailed,
  Id.BroadcastFailed,
  Id.RpcChainMismatch,
  Id.Unavailable,
] as const;

export const OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tag: 'Operations',
    summary: 'Readiness: database, Temporal and a worker polling the task queue',
    description: 'Without credentials only up/down per component; with a server API key also latency and a reason.',
    auth: 'none',
    responses: {
      200: { description: 'every component is up', schema: R.health },
      503: { description: 'a component is down', schema: R.health },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Bearer: a server API key, or METRICS_TOKEN when the operator set one (for a Prometheus scraper).',
    auth: 'metrics',
    responses: { 200: { description: 'metrics', text: 'text/plain; version=0.0.4' } },
    errors: [Id.Forbidden],
  },
  // Transfers
  {
    method: 'post',
    path: '/v1/assets/send',
    operationId: 'sendAssets',
    tag: 'Transfers',
    summary: 'Send a transfer (Portal shape); answers once the RPC accepted the transaction',
    description:
      'Idempotent per `Idempotency-Key`: the same key and body answer the same transfer; the same key with another body is 409 IDEMPOTENCY_CONFLICT. Chain-level rejections keep their chain error id (400 for user-caused, 502 for transient).',
    auth: 'any',
    body: sendAssetsBody,
    idempotencyKey: true,
    responses: {
      200: { description: 'broadcast: the RPC accepted the transaction', schema: R.sendResponse, headers: idempotent },
      202: {
        description: 'recorded and running; the broadcast did not finish within the wait',
        schema: R.sendAccepted,
        headers: idempotent,
      },
    },
    errors: [...SEND_ERRORS, Id.Forbidden],
  },
  {
    method: 'get',
    path: '/v1/transfers',
    operationId: 'listTransfers',
    tag: 'Transfers',
    summary: 'List transfers, newest first (cursor pagination)',
    auth: 'any',
    query: listTransfersQuery,
    responses: { 200: { description: 'a page of transfers', schema: R.transferPage } },
    errors: [Id.ChainUnsupported],
  },
  {
    method: 'get',
    path: '/v1/transfers/{id}',
    operationId: 'getTransfer',
    tag: 'Transfers',
    summary: 'A transfer with every signed attempt',
    auth: 'any',
    params: transferId,
    responses: { 200: { description: 'the transfer', schema: R.transferView } },
    errors: [Id.NotFound],
  },
  ...(
    [
      ['speed-up', 'speedUpTransfer', 'Replace the latest attempt with a higher fee (same nonce)', speedUpBody],
      ['cancel', 'cancelTransfer', 'Replace the latest attempt with a zero-value self-send (same nonce)', cancelBody],
    ] as const
  ).map(
    ([action, operationId, summary, body]): Operation => ({
      method: 'post',
      path: `/v1/transfers/{id}/${action}`,
      operationId,
      tag: 'Transfers',
      summary,
      description: 'Idempotent per `Idempotency-Key`; 409 transfer_terminal once the transfer is final.',
      auth: 'any',
      params: transferId,
      body,
      bodyOptional: true,
      idempotencyKey: true,
      responses: { 200: { description: 'the replacement attempt was signed and sent', schema: R.replacementResult } },
      errors: [
        Id.NotFound,
        Id.TransferTerminal,
        Id.ReplacementUnsupported,
        Id.BadMaxFee,
        Id.FeeCapExceeded,
        Id.FeeTooLow,
        Id.ReplacementWaiting,
        Id.InsufficientFunds,
        Id.WalletLocked,
        Id.RpcFailed,
        Id.BroadcastFailed,
        Id.Unavailable,
      ],
    }),
  ),
  {
    method: 'get',
    path: '/v1/transfers/{id}/history',
    operationId: 'getTransferHistory',
    tag: 'Transfers',
    summary: 'What the orchestrator did, as domain events read from the workflow history',
    auth: 'any',
    params: transferId,
    responses: { 200: { description: 'the events, oldest first', schema: R.transferHistory } },
    errors: [Id.NotFound],
  },
  // Server wallets (Dynamic-style)
  {
    method: 'post',
    path: '/api/wallets',
    operationId: 'createServerWallet',
    tag: 'Server wallets',
    summary: 'Create (or return) the server wallet of a userId: 2-of-2 MPC keys on both curves',
    auth: 'server',
    body: createWalletBody,
    responses: {
      200: { description: 'the wallet already existed', schema: R.serverWallet },
      201: { description: 'created', schema: R.serverWallet },
    },
    errors: [Id.Forbidden, Id.WalletCreationInProgress, Id.Unavailable],
  },
  {
    method: 'get',
    path: '/api/wallets/{walletIdOrAddress}',
    operationId: 'getServerWallet',
    tag: 'Server wallets',
    summary: 'A wallet by id or address',
    auth: 'server',
    params: wallet,
    responses: { 200: { description: 'the wallet', schema: R.serverWallet } },
    errors: [Id.Forbidden, Id.WalletNotFound, Id.WalletCreationInProgress],
  },
  {
    method: 'post',
    path: '/api/wallets/{walletIdOrAddress}/sign',
    operationId: 'signMessageWithServerWallet',
    tag: 'Server wallets',
    summary: 'EIP-191 signature of a message by a server wallet',
    auth: 'server',
    params: wallet,
    body: signMessageBody,
    responses: { 200: { description: 'the signature', schema: R.signedMessage } },
    errors: [Id.Forbidden, Id.WalletNotFound, Id.WalletCreationInProgress, Id.WalletLocked, Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/dev/faucet',
    operationId: 'devFaucet',
    tag: 'Development',
    summary: 'Fund an address on a local dev chain (dev stack only)',
    auth: 'any',
    body: faucetBody,
    responses: { 200: { description: 'funded', schema: R.faucetResult } },
    errors: [Id.ChainUnsupported, Id.TokenUnsupported, Id.BadTo, Id.BadAmount, Id.FaucetUnavailable, Id.RpcFailed],
  },
  // Custodian API (Portal): clients and their credentials
  {
    method: 'post',
    path: '/api/v1/custodians/clients',
    operationId: 'createClient',
    tag: 'Clients',
    summary: 'Create a client and its first Client Session Token',
    auth: 'server',
    body: emptyBody,
    bodyOptional: true,
    responses: { 200: { description: 'the client and its session token', schema: R.createdClient } },
    errors: [Id.Forbidden],
  },
  {
    method: 'post',
    path: '/api/v1/custodians/clients/{clientId}/session',
    operationId: 'createClientSession',
    tag: 'Clients',
    summary: 'A new Client Session Token for a client',
    auth: 'server',
    params: clientId,
    body: emptyBody,
    bodyOptional: true,
    responses: { 200: { description: 'the session token', schema: R.clientSession } },
    errors: [Id.Forbidden, Id.NotFound],
  },
  {
    method: 'post',
    path: '/api/v1/custodians/clients/{clientId}/test-api-keys',
    operationId: 'createTestClientApiKey',
    tag: 'Clients',
    summary: 'A long-lived test client API key (shown once)',
    auth: 'server',
    params: clientId,
    body: testKeyBody,
    bodyOptional: true,
    responses: { 201: { description: 'created', schema: R.testClientKey } },
    errors: [Id.Forbidden, Id.NotFound],
  },
  {
    method: 'get',
    path: '/api/v1/custodians/clients/{clientId}',
    operationId: 'getClient',
    tag: 'Clients',
    summary: 'A client and its wallet',
    auth: 'server',
    params: clientId,
    responses: { 200: { description: 'the client', schema: R.custodianClient } },
    errors: [Id.Forbidden, Id.NotFound],
  },
  {
    method: 'delete',
    path: '/api/v1/custodians/clients/{clientId}/sessions',
    operationId: 'revokeClientSessions',
    tag: 'Clients',
    summary: 'Revoke every live Client Session Token of a client',
    auth: 'server',
    params: clientId,
    responses: { 200: { description: 'how many were revoked', schema: R.revokedSessions } },
    errors: [Id.Forbidden, Id.NotFound],
  },
  {
    method: 'delete',
    path: '/api/v1/custodians/clients/{clientId}/test-api-keys/{keyId}',
    operationId: 'revokeTestClientApiKey',
    tag: 'Clients',
    summary: 'Revoke a test client API key',
    auth: 'server',
    params: { ...clientId, keyId: { description: 'test client API key id' } },
    responses: { 204: noContent },
    errors: [Id.Forbidden, Id.NotFound],
  },
  // Custody operations
  {
    method: 'get',
    path: '/v1/audit-events',
    operationId: 'listAuditEvents',
    tag: 'Custody',
    summary: 'The audit log of the tenant, newest first',
    auth: 'server',
    query: auditQuery,
    responses: { 200: { description: 'a page of audit events', schema: R.auditPage } },
    errors: [Id.Forbidden],
  },
  {
    method: 'post',
    path: '/v1/wallets/{walletId}/unlock',
    operationId: 'unlockWallet',
    tag: 'Custody',
    summary: "Unlock a wallet's signing on a curve after a failed partial signature",
    auth: 'server',
    params: { walletId: { description: 'wallet id' } },
    body: unlockBody,
    responses: { 200: { description: 'unlocked (false: it was not locked)', schema: R.unlockResult } },
    errors: [Id.Forbidden, Id.WalletNotFound],
  },
  {
    method: 'delete',
    path: '/v1/api-keys/{keyId}',
    operationId: 'revokeServerApiKey',
    tag: 'Custody',
    summary: 'Revoke a server API key of the tenant',
    auth: 'server',
    params: { keyId: { description: 'the key id (in its credential_created audit event)' } },
    responses: { 200: { description: 'revoked', schema: R.revokedKey } },
    errors: [Id.Forbidden, Id.NotFound],
  },
  // Portal client API (client-held wallets)
  {
    method: 'post',
    path: '/v1/generate',
    operationId: 'generateClientWallet',
    tag: 'Client wallets',
    summary: "Generate the client's wallet: one MPC share per curve for the client",
    auth: 'client',
    body: emptyBody,
    bodyOptional: true,
    responses: { 200: { description: 'the client shares', schema: R.shareResponse } },
    errors: [Id.Forbidden, Id.WalletCreationInProgress, Id.Unavailable],
  },
  ...(['/api/v3/clients/me/signing-share-pairs', '/v1/signing-share-pairs'] as const).map(
    (path, i): Operation => ({
      method: 'patch',
      path,
      operationId: i === 0 ? 'confirmSigningSharePairs' : 'confirmSigningSharePairsV1',
      tag: 'Client wallets',
      summary: 'Confirm the client stored its signing shares',
      auth: 'client',
      body: confirmSigningBody,
      responses: { 204: noContent },
      errors: [Id.Forbidden, Id.NotFound, Id.WalletNotFound, Id.Unavailable],
    }),
  ),
  {
    method: 'patch',
    path: '/api/v3/clients/me/backup-share-pairs',
    operationId: 'confirmBackupSharePairs',
    tag: 'Client wallets',
    summary: 'Confirm the client stored its backup shares',
    auth: 'client',
    body: confirmBackupBody,
    responses: { 204: noContent },
    errors: [Id.Forbidden, Id.NotFound, Id.WalletNotFound, Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/backup',
    operationId: 'backupClientWallet',
    tag: 'Client wallets',
    summary: 'Backup shares for both curves (re-shared from the signing shares)',
    auth: 'client',
    body: backupBody,
    responses: { 200: { description: 'the backup shares', schema: R.shareResponse } },
    errors: [Id.Forbidden, Id.WalletNotFound, Id.ShareNotConfirmed, 'mpc_share_invalid', Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/recover',
    operationId: 'recoverClientWallet',
    tag: 'Client wallets',
    summary: 'New signing shares from the backup shares (same addresses)',
    auth: 'client',
    body: recoverBody,
    responses: { 200: { description: 'the new signing shares', schema: R.shareResponse } },
    errors: [Id.Forbidden, Id.WalletNotFound, Id.ShareNotConfirmed, 'mpc_share_invalid', Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/raw/sign/{curve}',
    operationId: 'rawSign',
    tag: 'Client wallets',
    summary: 'Sign a raw digest with a client share',
    auth: 'client',
    params: { curve: { description: 'SECP256K1 or ED25519 (any case)' } },
    body: rawSignBody,
    responses: { 200: { description: 'the signature, 0x-hex', schema: R.signatureData } },
    errors: [Id.Forbidden, Id.WalletNotFound, 'mpc_share_invalid', Id.WalletLocked, Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/sign',
    operationId: 'clientSign',
    tag: 'Client wallets',
    summary: 'Portal signing methods (personal_sign, eth_signTypedData_v4, eth_sendTransaction, sol_…)',
    description:
      'eth_sendTransaction and sol_signAndSendTransaction go through the transfer workflow (idempotent per `Idempotency-Key`) and answer the transaction hash with the transfer id.',
    auth: 'client',
    body: signBody,
    idempotencyKey: true,
    responses: {
      200: {
        description: 'the signature (or, for sends, the broadcast transaction)',
        schema: R.signatureData.or(R.sentTransaction),
        headers: { 'Idempotency-Key': 'sends only: the key the transfer is stored under' },
      },
      202: {
        description: 'sends only: recorded and running; the broadcast did not finish within the wait',
        schema: R.sentTransaction,
        headers: idempotent,
      },
    },
    errors: [...SEND_ERRORS, Id.Forbidden],
  },
  // Webhooks
  {
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Create a webhook endpoint (Standard Webhooks signing; the secret is shown once)',
    auth: 'server',
    body: createWebhookBody,
    responses: { 201: { description: 'created', schema: R.createdWebhookEndpoint } },
    errors: [Id.Forbidden, Id.WebhookUrlForbidden, Id.Unavailable],
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhookEndpoints',
    tag: 'Webhooks',
    summary: 'The webhook endpoints of the tenant',
    auth: 'server',
    responses: { 200: { description: 'the endpoints', schema: R.webhookEndpointList } },
    errors: [Id.Forbidden, Id.Unavailable],
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}',
    operationId: 'getWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'A webhook endpoint',
    auth: 'server',
    params: hookId,
    responses: { 200: { description: 'the endpoint', schema: R.webhookEndpoint } },
    errors: [Id.Forbidden, Id.NotFound, Id.Unavailable],
  },
  {
    method: 'patch',
    path: '/v1/webhooks/{id}',
    operationId: 'updateWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Change the URL, events, description; disable or enable',
    auth: 'server',
    params: hookId,
    body: updateWebhookBody,
    responses: { 200: { description: 'the endpoint', schema: R.webhookEndpoint } },
    errors: [Id.Forbidden, Id.NotFound, Id.WebhookUrlForbidden, Id.Unavailable],
  },
  {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    operationId: 'deleteWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Delete a webhook endpoint',
    auth: 'server',
    params: hookId,
    responses: { 204: noContent },
    errors: [Id.Forbidden, Id.NotFound, Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: 'A new signing secret; the previous one keeps signing for the overlap period',
    auth: 'server',
    params: hookId,
    responses: { 200: { description: 'the new secret', schema: R.rotatedSecret } },
    errors: [Id.Forbidden, Id.NotFound, Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/test',
    operationId: 'sendWebhookTestEvent',
    tag: 'Webhooks',
    summary: 'Queue a webhook.test event to this endpoint',
    auth: 'server',
    params: hookId,
    responses: { 202: { description: 'queued', schema: R.testEvent } },
    errors: [Id.Forbidden, Id.NotFound, Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/replay',
    operationId: 'replayWebhookEvents',
    tag: 'Webhooks',
    summary: 'Re-send the stored events of a time window to this endpoint',
    auth: 'server',
    params: hookId,
    body: replayWebhookBody,
    responses: { 202: { description: 'queued', schema: R.queued } },
    errors: [Id.Forbidden, Id.NotFound, Id.Unavailable],
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'Webhooks',
    summary: 'The delivery log of an endpoint, newest first',
    auth: 'server',
    params: hookId,
    query: listDeliveriesQuery,
    responses: { 200: { description: 'a page of delivery attempts', schema: R.webhookDeliveryPage } },
    errors: [Id.Forbidden, Id.NotFound, Id.Unavailable],
  },
  {
    method: 'post',
    path: '/v1/events/{eventId}/redeliver',
    operationId: 'redeliverEvent',
    tag: 'Webhooks',
    summary: 'Send one stored event again (to one endpoint, or to every subscribed one)',
    auth: 'server',
    params: { eventId: { description: 'webhook event id' } },
    body: redeliverEventBody,
    bodyOptional: true,
    responses: { 202: { description: 'queued', schema: R.queued } },
    errors: [Id.Forbidden, Id.NotFound, Id.Unavailable],
  },
];
