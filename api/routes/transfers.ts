import { Router } from 'express';
import { signingTaskQueueOf } from '../../config/env.js';
import { ErrorId } from '../../errors/codes.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { decodeCursor, encodeCursor } from '../../storage/cursor.js';
import { transferHistory, withAttemptEvents } from '../../transfers/history.js';
import { replaceTransfer } from '../../transfers/replace.js';
import { type SubmitDeps, submitTransfer } from '../../transfers/submit.js';
import { toAttemptView, toSendResponse, toTransferView } from '../../transfers/view.js';
import { type AppDeps, idempotencyScopeOf } from '../context.js';
import { httpError } from '../errors.js';
import {
  cancelBody,
  idempotencyKeyHeader,
  listTransfersQuery,
  parse,
  sendAssetsBody,
  speedUpBody,
} from '../schemas.js';

/** What the send path needs from the app's dependencies (shared by /v1/assets/send and Portal's eth_sendTransaction). */
export function submitDeps(deps: AppDeps): SubmitDeps {
  return {
    prisma: deps.prisma,
    temporal: deps.temporal,
    chains: deps.chains,
    wallets: deps.wallets,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    signingTaskQueue: signingTaskQueueOf(deps.config),
    allowRequestRpcUrl: deps.config.ALLOW_REQUEST_RPC_URL,
    acceptanceTimeoutMs: deps.config.ACCEPTANCE_TIMEOUT_MS,
    broadcastTimeouts: {
      tryMs: deps.config.BROADCAST_TRY_TIMEOUT_MS,
      totalMs: deps.config.BROADCAST_TOTAL_TIMEOUT_MS,
    },
    vaultShare: deps.vaultShare,
  };
}

export function transferRoutes(deps: AppDeps): Router {
  const r = Router();

  r.post('/v1/assets/send', async (req, res) => {
    const body = parse(sendAssetsBody, req.body);
    const keyHeader = req.header('idempotency-key');
    const key = keyHeader === undefined ? undefined : parse(idempotencyKeyHeader, keyHeader);
    const auth = req.auth!;
    const clientWalletIds = auth.clientId
      ? (await deps.prisma.wallet.findMany({ where: { clientId: auth.clientId }, select: { id: true } })).map(
          (w) => w.id,
        )
      : undefined;
    const outcome = await submitTransfer(
      submitDeps(deps),
      { tenantId: auth.tenantId, clientWalletIds, idempotencyScope: idempotencyScopeOf(auth) },
      body,
      key,
    );
    res.setHeader('Idempotency-Key', outcome.transfer.idempotencyKey);
    if (outcome.kind === 'accepted') {
      res.status(202).json({
        transactionHash: outcome.transfer.transactionHash,
        transferId: outcome.transfer.id,
        status: outcome.transfer.status,
      });
      return;
    }
    res.status(200).json(toSendResponse(outcome.transfer, outcome.submission.transactionHash, outcome.transfer.status));
  });

  r.get('/v1/transfers', async (req, res) => {
    const q = parse(listTransfersQuery, req.query);
    const where: Prisma.TransferWhereInput = { tenantId: req.auth!.tenantId };
    if (q.status) where.status = q.status;
    if (q.chain) where.chain = deps.chains.networks.resolve(q.chain).name;
    if (q.walletId) where.walletId = q.walletId;
    if (req.auth!.clientId) where.wallet = { clientId: req.auth!.clientId };
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (cursor) {
      where.OR = [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }];
    }
    const rows = await deps.prisma.transfer.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({
      data: page.map(toTransferView),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    });
  });

  r.get('/v1/transfers/:id', async (req, res) => {
    const transfer = await findTransfer(deps, req.auth!, req.params.id);
    const attempts = await deps.prisma.transferAttempt.findMany({
      where: { transferId: transfer.id },
      orderBy: { attempt: 'asc' },
    });
    res.json({ ...toTransferView(transfer), attempts: attempts.map(toAttemptView) });
  });

  for (const [path, kind] of [
    ['speed-up', 'speed_up'],
    ['cancel', 'cancel'],
  ] as const) {
    r.post(`/v1/transfers/:id/${path}`, async (req, res) => {
      const body = kind === 'speed_up' ? parse(speedUpBody, req.body ?? {}) : parse(cancelBody, req.body ?? {});
      const keyHeader = req.header('idempotency-key');
      const idempotencyKey = keyHeader === undefined ? undefined : parse(idempotencyKeyHeader, keyHeader);
      const transfer = await findTransfer(deps, req.auth!, req.params.id);
      const result = await replaceTransfer(deps, transfer, kind, {
        ...('maxFee' in body && body.maxFee !== undefined ? { maxFee: body.maxFee } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      res.status(200).json(result);
    });
  }

  r.get('/v1/transfers/:id/history', async (req, res) => {
    const transfer = await findTransfer(deps, req.auth!, req.params.id);
    res.json({
      transferId: transfer.id,
      workflowId: transfer.workflowId,
      events: withAttemptEvents(
        await transferHistory(deps.temporal, transfer.workflowId),
        await deps.prisma.transferAttempt.findMany({ where: { transferId: transfer.id } }),
      ),
    });
  });

  return r;
}

async function findTransfer(deps: AppDeps, auth: NonNullable<Express.Request['auth']>, id: string) {
  const transfer = await deps.prisma.transfer.findFirst({
    where: { id, tenantId: auth.tenantId, ...(auth.clientId ? { wallet: { clientId: auth.clientId } } : {}) },
  });
  if (!transfer) throw httpError(ErrorId.NotFound, 'transfer not found');
  return transfer;
}
