/**
 * POST /v1/transfers/:id/speed-up and /cancel: a same-nonce replacement of the transfer's latest attempt, asked of
 * its workflow with an update (the workflow signs, stores and sends it). Idempotent per Idempotency-Key (the update
 * id); a repeated cancel answers the existing cancel. 409 once the transfer is terminal.
 */
import {
  type Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parseMaxFee } from '../chains/fee-caps.js';
import type { ChainRegistry } from '../chains/registry.js';
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { Transfer } from '../generated/prisma/client.js';
import { replaceUpdate } from '../workflows/messages.js';
import { type ReplacementResult, TERMINAL_STATUSES, type TransferStatus } from '../workflows/shared.js';

export interface ReplaceDeps {
  temporal: Client;
  chains: ChainRegistry;
}

export async function replaceTransfer(
  deps: ReplaceDeps,
  transfer: Transfer,
  kind: 'speed_up' | 'cancel',
  opts: { maxFee?: string; idempotencyKey?: string },
): Promise<ReplacementResult> {
  if (TERMINAL_STATUSES.includes(transfer.status as TransferStatus)) throw terminalError(transfer.status);
  const adapter = deps.chains.get(transfer.chain);
  if (!adapter.buildReplacement)
    throw new BaseError(
      `${adapter.network.name} cannot replace a signed transaction: it is re-signed only after its expiry is proven`,
      { id: ErrorId.ReplacementUnsupported },
    );
  const maxFee =
    opts.maxFee !== undefined ? parseMaxFee(opts.maxFee, adapter.network.nativeDecimals).toString() : undefined;
  const handle = deps.temporal.workflow.getHandle(transfer.workflowId);
  try {
    return await handle.executeUpdate(replaceUpdate, {
      args: [{ kind, ...(maxFee !== undefined ? { maxFee } : {}) }],
      ...(opts.idempotencyKey ? { updateId: `${kind}:${opts.idempotencyKey}` } : {}),
    });
  } catch (err) {
    const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure)
      throw new BaseError(cause.message, { id: cause.type ?? ErrorId.Internal, kind: 'terminal' });
    // The workflow already closed: the transfer is terminal (its row may lag by a moment).
    if (err instanceof WorkflowNotFoundError || /completed|closed/i.test(String((err as Error)?.message)))
      throw terminalError('final');
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      throw new BaseError('the workflow did not answer in time; retry with the same Idempotency-Key', {
        id: ErrorId.Unavailable,
        kind: 'retryable',
      });
    throw err;
  }
}

function terminalError(status: string): BaseError {
  return new BaseError(`the transfer is already ${status}: nothing to replace`, { id: ErrorId.TransferTerminal });
}
