/** The public shape of a transfer (GET /v1/transfers/:id) and of the send response (Portal's shape + ours). */
import type { Transfer, TransferAttempt } from '../generated/prisma/client.js';

export interface TransferView {
  transferId: string;
  /** `transfer`, or a caller-built transaction (`evm_call`, `solana_transaction`) whose content is `callData`. */
  kind: string;
  status: string;
  chain: string;
  caip2: string;
  walletId: string;
  from: string;
  to: string;
  token: string;
  tokenAddress: string | null;
  tokenDecimals: number;
  amount: string;
  rawAmount: string;
  nonce: string | null;
  /** The request's ceiling on the total network fee, native base units; null when none was given. */
  maxFee: string | null;
  fee: string | null;
  transactionHash: string | null;
  confirmations: number;
  requiredConfirmations: number;
  blockNumber: string | null;
  blockHash: string | null;
  metadataStr: string | null;
  callData: string | null;
  idempotencyKey: string;
  error: { id: string; message: string } | null;
  timestamps: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  /** Every signed attempt (GET /v1/transfers/:id only). */
  attempts?: AttemptView[];
}

/** One signed attempt: its bytes, why it was signed and, once proven, why it can never land. */
export interface AttemptView {
  attempt: number;
  transactionHash: string;
  raw: string;
  /** Chain facts of the attempt: nonce, fee caps, inputs, blockhash, expiration … */
  details: unknown;
  reason: string;
  signedAt: string;
  broadcastAt: string | null;
  dead: { at: string; evidence: string } | null;
}

export function toAttemptView(a: TransferAttempt): AttemptView {
  return {
    attempt: a.attempt,
    transactionHash: a.txHash,
    raw: a.raw,
    details: a.details,
    reason: a.reason,
    signedAt: a.createdAt.toISOString(),
    broadcastAt: iso(a.broadcastAt),
    dead: a.deadAt ? { at: a.deadAt.toISOString(), evidence: a.deadEvidence ?? '' } : null,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toTransferView(t: Transfer): TransferView {
  return {
    transferId: t.id,
    kind: t.kind,
    status: t.status,
    chain: t.chain,
    caip2: t.caip2,
    walletId: t.walletId,
    from: t.fromAddress,
    to: t.toAddress,
    token: t.token,
    tokenAddress: t.tokenAddress,
    tokenDecimals: t.tokenDecimals,
    amount: t.amount,
    rawAmount: t.rawAmount,
    nonce: t.nonce,
    maxFee: t.maxFee,
    fee: t.fee,
    transactionHash: t.transactionHash,
    confirmations: t.confirmations,
    requiredConfirmations: t.requiredConfirmations,
    blockNumber: t.blockNumber,
    blockHash: t.blockHash,
    metadataStr: t.metadataStr,
    callData: t.callData,
    idempotencyKey: t.idempotencyKey,
    error: t.errorId ? { id: t.errorId, message: t.errorMessage ?? '' } : null,
    timestamps: {
      pending: iso(t.pendingAt),
      signed: iso(t.signedAt),
      submitted: iso(t.submittedAt),
      confirmed: iso(t.confirmedAt),
      finalized: iso(t.finalizedAt),
      failed: iso(t.failedAt),
      replaced: iso(t.replacedAt),
    },
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** Portal's send response: `{ transactionHash, metadata }`, plus our `transferId` and `status`. */
export function toSendResponse(t: Transfer, transactionHash: string, status: string) {
  return {
    transactionHash,
    metadata: {
      amount: t.amount,
      rawAmount: t.rawAmount,
      tokenAddress: t.tokenAddress,
      tokenDecimals: t.tokenDecimals,
    },
    transferId: t.id,
    status,
  };
}
