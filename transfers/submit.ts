/**
 * POST /v1/assets/send: validate → idempotency gate (a Transfer row unique per tenant + key) →
 * update-with-start of the transfer workflow, answering when the RPC accepted the transaction.
 *
 * - Same Idempotency-Key + same body → the same transfer (no second workflow, no second broadcast).
 * - Same key + different body → 409 IDEMPOTENCY_CONFLICT.
 * - Bad input fails before anything is written.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { SendAssetsBody } from '../api/schemas.js';
import { parseAmount } from '../chains/amount.js';
import { parseMaxFee } from '../chains/fee-caps.js';
import type { ChainRegistry } from '../chains/registry.js';
import type { TransactionRequest, TransferIntent } from '../chains/types.js';
import { BaseError } from '../errors/base.js';
import { badRequest, ErrorId } from '../errors/codes.js';
import { Prisma, type PrismaClient, type Transfer } from '../generated/prisma/client.js';
import type { WalletService } from '../wallets/service.js';
import { waitForSubmissionUpdate } from '../workflows/messages.js';
import {
  NEEDS_ATTENTION,
  type SubmissionResult,
  TERMINAL_STATUSES,
  type TransferInput,
  type TransferStatus,
} from '../workflows/shared.js';
import type { transferWorkflow } from '../workflows/transfer.js';
import { assertMemo } from './memo.js';
import { assertRecipient } from './recipient.js';

export interface SubmitDeps {
  prisma: PrismaClient;
  temporal: Client;
  chains: ChainRegistry;
  wallets: WalletService;
  taskQueue: string;
  /** The signing fleet's task queue, carried in each new transfer's input. */
  signingTaskQueue?: string;
  allowRequestRpcUrl: boolean;
  /** How long the HTTP call waits for RPC acceptance before answering 202 with the pending transfer. */
  acceptanceTimeoutMs?: number;
  /** Time limits of one broadcast try and of all its tries (config BROADCAST_*_TIMEOUT_MS). */
  broadcastTimeouts?: { tryMs: number; totalMs: number };
  /** Stores a client-held share encrypted and returns a reference (client wallets). */
  vaultShare?: (walletId: string, curve: string, share: string) => Promise<string>;
}

export interface SubmitCaller {
  tenantId: string;
  /**
   * Whose Idempotency-Keys these are: `server` for the tenant's server keys (a key rotation keeps the space),
   * `client:<id>` for a Portal client, so one client never sees another's keys (no 409 probing).
   */
  idempotencyScope: string;
  /** Client credentials act on their own wallet only. */
  clientWalletIds?: string[];
}

/**
 * A send: Portal's body, plus (from the Portal sign methods, never from the HTTP body) a caller-built
 * transaction to send instead of a plain transfer; `to` and `amount` then name its target and native value.
 */
export type SendRequest = SendAssetsBody & { request?: TransactionRequest };

export type SubmitOutcome =
  | { kind: 'submitted'; transfer: Transfer; submission: SubmissionResult }
  | { kind: 'accepted'; transfer: Transfer };

export async function submitTransfer(
  deps: SubmitDeps,
  caller: SubmitCaller,
  body: SendRequest,
  idempotencyKey: string | undefined,
): Promise<SubmitOutcome> {
  // 1. Validate everything before writing anything.
  if (body.rpcUrl && !deps.allowRequestRpcUrl) {
    throw badRequest('rpcUrl overrides are disabled on this server (ALLOW_REQUEST_RPC_URL)');
  }
  const adapter = deps.chains.get(body.chain);
  const network = adapter.network;
  if (!adapter.validateAddress(body.to))
    throw badRequest(`"${body.to}" is not a valid ${network.name} address`, ErrorId.BadTo);
  const request = body.request;
  assertMemo(network.family, body.metadataStr, body.memoType);
  if (request && !adapter.requestKinds?.includes(request.kind))
    throw badRequest(`${network.name} cannot send a caller-built ${request.kind} transaction`);
  const token = await adapter.resolveToken(body.token);
  if (request && token.kind !== 'native') throw badRequest('a caller-built transaction moves the native asset only');
  const rawAmount = parseAmount(body.amount, token.decimals, { allowZero: request !== undefined });
  const walletRef = body.walletId ?? caller.clientWalletIds?.[0];
  if (!walletRef) throw badRequest('walletId is required');
  const wallet = await deps.wallets.require(caller.tenantId, walletRef);
  if (caller.clientWalletIds && !caller.clientWalletIds.includes(wallet.id)) {
    throw new BaseError('wallet not found', { id: ErrorId.WalletNotFound, kind: 'terminal' });
  }
  const from = adapter.addressFromPublicKey(deps.wallets.publicKeyFor(wallet, adapter.curve));
  assertRecipient(network.family, body.to, from, request !== undefined);
  if (wallet.custody === 'client' && !body.share) throw badRequest('share is required for a client-held wallet');
  const nonce = body.nonce !== undefined ? BigInt(body.nonce).toString() : undefined;
  const maxFee = body.maxFee !== undefined ? parseMaxFee(body.maxFee, network.nativeDecimals).toString() : undefined;
  // The share is checked (confirmed, this wallet, this curve) and sealed before anything is written.
  const shareRef =
    body.share && deps.vaultShare ? await deps.vaultShare(wallet.id, adapter.curve, body.share) : undefined;

  const key = idempotencyKey ?? `auto-${randomUUID()}`;
  const requestHash = hashRequest({ ...body, share: undefined, chain: network.name, walletId: wallet.id });
  const workflowId = transferWorkflowId(caller.tenantId, caller.idempotencyScope, key);

  // 2. Idempotency gate.
  let transfer: Transfer;
  let created = false;
  try {
    transfer = await deps.prisma.transfer.create({
      data: {
        id: `tr_${randomUUID()}`,
        tenantId: caller.tenantId,
        walletId: wallet.id,
        idempotencyKey: key,
        idempotencyScope: caller.idempotencyScope,
        requestHash,
        workflowId,
        chain: network.name,
        caip2: network.caip2,
        fromAddress: from,
        toAddress: body.to,
        token: body.token,
        tokenAddress: token.kind === 'token' ? token.address : null,
        tokenDecimals: token.decimals,
        amount: body.amount,
        rawAmount: rawAmount.toString(),
        nonce: nonce ?? null,
        maxFee: maxFee ?? null,
        metadataStr: body.metadataStr ?? null,
        kind: request?.kind ?? 'transfer',
        callData: request ? (request.kind === 'evm_call' ? request.data : request.transaction) : null,
        requiredConfirmations: network.requiredConfirmations,
      },
    });
    created = true;
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    const existing = await deps.prisma.transfer.findUnique({
      where: {
        tenantId_idempotencyScope_idempotencyKey: {
          tenantId: caller.tenantId,
          idempotencyScope: caller.idempotencyScope,
          idempotencyKey: key,
        },
      },
    });
    if (!existing) throw err;
    if (existing.requestHash !== requestHash) {
      throw new BaseError('this Idempotency-Key was used with a different request', {
        id: ErrorId.IdempotencyConflict,
        kind: 'terminal',
      });
    }
    transfer = existing;
  }

  // 3. A finished transfer answers from the database; a resend of one whose workflow closed unfinished says so
  //    (an update would answer from the closed run's old outcome).
  if (TERMINAL_STATUSES.includes(transfer.status as TransferStatus)) return answerFromRow(transfer);
  if (!created) {
    const parked = await markIfClosedUnfinished(deps, transfer);
    if (parked) return { kind: 'accepted', transfer: parked };
  }

  const intent: TransferIntent = {
    transferId: transfer.id,
    chain: network.name,
    from: { address: from, publicKey: deps.wallets.publicKeyFor(wallet, adapter.curve) },
    to: body.to,
    token,
    rawAmount: rawAmount.toString(),
    ...(nonce !== undefined ? { nonce } : {}),
    ...(maxFee !== undefined ? { maxFee } : {}),
    ...(body.metadataStr && !request ? { memo: body.metadataStr } : {}),
    ...(body.memoType === 'id' ? { memoType: 'id' as const } : {}),
    ...(request ? { request } : {}),
  };
  const input: TransferInput = {
    transferId: transfer.id,
    tenantId: caller.tenantId,
    walletId: wallet.id,
    network: network.name,
    intent,
    requiredConfirmations: network.requiredConfirmations,
    pollIntervalMs: network.pollIntervalMs ?? network.blockTimeMs,
    ...(network.resendIntervalMs !== undefined
      ? {
          resendAfterMisses: Math.max(
            1,
            Math.round(network.resendIntervalMs / (network.pollIntervalMs ?? network.blockTimeMs)),
          ),
        }
      : {}),
    ...(adapter.buildReplacement
      ? { stuckAfterMs: network.stuckAfterMs ?? Math.max(5 * network.blockTimeMs, 15_000) }
      : {}),
    ...(deps.broadcastTimeouts ? { broadcastTimeouts: deps.broadcastTimeouts } : {}),
    ...(shareRef ? { shareRef } : {}),
    ...(deps.signingTaskQueue ? { signingTaskQueue: deps.signingTaskQueue } : {}),
  };

  // 4. Start (or attach to) the workflow and wait for RPC acceptance.
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof transferWorkflow>('transferWorkflow', {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  // One update per transfer: an HTTP retry attaches to it instead of adding another (server limits per run). First
  // ACCEPTED (the workflow took it), then its result under the same deadline; when that runs out the wait is aborted,
  // so no long poll outlives the HTTP answer (the transfer goes on in the workflow; the caller polls GET).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deps.acceptanceTimeoutMs ?? 30_000);
  const expired = new Promise<'timeout'>((resolve) =>
    deadline.signal.addEventListener('abort', () => resolve('timeout')),
  );
  try {
    const started = deps.temporal.workflow.startUpdateWithStart(waitForSubmissionUpdate, {
      startWorkflowOperation,
      updateId: `submit-${workflowId}`,
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    // The start (one RPC, bounded by the server) is not aborted: whether the workflow exists must stay known.
    const handle = await Promise.race([started, expired]);
    let result: SubmissionResult | 'timeout' = 'timeout';
    if (handle === 'timeout') started.catch(() => {});
    else {
      result = await deps.temporal
        .withAbortSignal(deadline.signal, () => handle.result())
        .catch((err: unknown) => {
          if (deadline.signal.aborted) return 'timeout' as const;
          throw err;
        });
    }
    const fresh = (await deps.prisma.transfer.findUnique({ where: { id: transfer.id } })) ?? transfer;
    if (result === 'timeout') return { kind: 'accepted', transfer: fresh };
    return { kind: 'submitted', transfer: fresh, submission: result };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      throw new BaseError(err.cause.message, { id: err.cause.type ?? ErrorId.Internal, kind: 'terminal' });
    }
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // Closed workflow: the row has the answer when it finished; otherwise say so, never a made-up `submitted`.
      const row = await deps.prisma.transfer.findUniqueOrThrow({ where: { id: transfer.id } });
      if (TERMINAL_STATUSES.includes(row.status as TransferStatus)) return answerFromRow(row);
      const parked = await markIfClosedUnfinished(deps, row);
      return parked ? { kind: 'accepted', transfer: parked } : answerFromRow(row);
    }
    if (created) await forgetIfNeverStarted(deps, transfer.id, workflowId);
    throw new BaseError('the workflow service is unavailable; retry with the same Idempotency-Key', {
      id: ErrorId.Unavailable,
      kind: 'retryable',
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

function answerFromRow(transfer: Transfer): SubmitOutcome {
  if (transfer.status === 'failed') {
    throw new BaseError(transfer.errorMessage ?? 'transfer failed', {
      id: transfer.errorId ?? ErrorId.Internal,
      kind: 'terminal',
    });
  }
  return {
    kind: 'submitted',
    transfer,
    submission: {
      transferId: transfer.id,
      transactionHash: transfer.transactionHash ?? '',
      status: transfer.status as TransferStatus,
      alreadyKnown: true,
    },
  };
}

/**
 * A transfer whose workflow closed without completing (terminated, timed out, failed, cancelled) while the row is not
 * terminal: the chain may still hold its signed bytes, so nothing is final. The row becomes `needs_attention` (for ops
 * to resolve from the stored attempts and the history) and the caller gets 202 with that status.
 */
async function markIfClosedUnfinished(deps: SubmitDeps, row: Transfer): Promise<Transfer | undefined> {
  let closed: string;
  try {
    closed = (await deps.temporal.workflow.getHandle(row.workflowId).describe()).status.name;
  } catch {
    return undefined; // never started, or Temporal unreachable: the start below answers for both
  }
  if (closed === 'RUNNING' || closed === 'COMPLETED' || closed === 'CONTINUED_AS_NEW') return undefined;
  await deps.prisma.transfer.updateMany({
    where: { id: row.id, status: { notIn: [...TERMINAL_STATUSES] } },
    data: {
      status: NEEDS_ATTENTION,
      errorId: ErrorId.WorkflowClosed,
      errorMessage: `the transfer's workflow closed as ${closed} before the transfer was final; an operator has to resolve it`,
    },
  });
  return (await deps.prisma.transfer.findUnique({ where: { id: row.id } })) ?? undefined;
}

/** Deletes a just-inserted row only when Temporal confirms no workflow exists for it. */
async function forgetIfNeverStarted(deps: SubmitDeps, transferId: string, workflowId: string): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      await deps.prisma.transfer.delete({ where: { id: transferId } }).catch(() => {});
  }
}

/**
 * The workflow id of a transfer: a hash of the length-prefixed (tenant, scope, key), so no two different
 * triples can meet (`a` + `b-1` vs `a-b` + `1` collided when the parts were joined with `-`).
 */
export function transferWorkflowId(tenantId: string, scope: string, key: string): string {
  const h = createHash('sha256');
  for (const part of [tenantId, scope, key]) {
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    h.update(len).update(bytes);
  }
  return `transfer-${h.digest('hex')}`;
}

/** SHA-256 of the request with keys sorted, so field order does not matter. */
export function hashRequest(body: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(body)
      .filter((k) => body[k] !== undefined)
      .sort()
      .map((k) => [k, body[k]]),
  );
  return createHash('sha256').update(canonical).digest('hex');
}
