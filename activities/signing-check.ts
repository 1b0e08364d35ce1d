/**
 * No signing oracle through Temporal: whoever can start workflows or complete workflow tasks controls every
 * activity argument, so the sign step trusts none of them. It re-reads the stored Transfer row and signs only
 * what that row asked for: the intent must equal the row, the attempt must be the next one, and (EVM, caller-built
 * Solana) the payload must be the hash / message of an unsigned transaction that encodes the row's values.
 * Anything else is refused with `signing_refused`, audited, and nothing is signed.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { type Hex, keccak256, parseTransaction, type TransactionSerializableEIP1559 } from 'viem';
import { transferCall } from '../chains/evm/call.js';
import { evmFeeLimits } from '../chains/evm/fees.js';
import { pinnedChainId } from '../chains/evm/preflight.js';
import type { ChainRegistry } from '../chains/registry.js';
import { decodeSolanaTransaction } from '../chains/solana/request.js';
import type { ChainAdapter, TransferIntent, UnsignedTx } from '../chains/types.js';
import { ErrorId } from '../errors/codes.js';
import type { PrismaClient, Transfer } from '../generated/prisma/client.js';
import { recordAudit, SYSTEM_ACTOR } from '../storage/audit.js';
import { TERMINAL_STATUSES, type TransferInput, type TransferStatus } from '../workflows/shared.js';
import { callingWorkflowId, terminal } from './failure.js';

class Refusal extends Error {}

const refuse = (why: string): never => {
  throw new Refusal(why);
};

function same(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) refuse(`${what} differs from the stored transfer`);
}

/** The stored row of this transfer, matching the workflow input field by field. */
async function storedTransfer(prisma: PrismaClient, adapter: ChainAdapter, input: TransferInput): Promise<Transfer> {
  if (typeof input?.transferId !== 'string' || typeof input.intent?.from !== 'object') refuse('malformed input');
  const row = await prisma.transfer.findUnique({ where: { id: input.transferId } });
  if (!row) return refuse('no stored transfer');
  // Only the transfer's own workflow (its id is in the row) may sign for it; one run per id at a time.
  const workflowId = callingWorkflowId();
  if (workflowId !== undefined) same('workflow id', workflowId, row.workflowId);
  same('tenant', input.tenantId, row.tenantId);
  same('wallet', input.walletId, row.walletId);
  same('network', input.network, row.chain);
  if (TERMINAL_STATUSES.includes(row.status as TransferStatus)) refuse(`the transfer is already ${row.status}`);
  const intent = input.intent;
  same('intent transfer id', intent.transferId, row.id);
  same('intent chain', intent.chain, row.chain);
  same('sender', intent.from.address, row.fromAddress);
  same('sender key', addressOf(adapter, intent.from.publicKey), row.fromAddress);
  same('recipient', intent.to, row.toAddress);
  same('amount', intent.rawAmount, row.rawAmount);
  same('token', intent.token.kind === 'token' ? intent.token.address : null, row.tokenAddress);
  same('kind', intent.request?.kind ?? 'transfer', row.kind);
  const callData = intent.request
    ? intent.request.kind === 'evm_call'
      ? intent.request.data
      : intent.request.transaction
    : null;
  same('call data', callData, row.callData);
  // The row's nonce is the caller's forced one, later the one signed: a forced nonce must be it.
  if (intent.nonce !== undefined) same('forced nonce', intent.nonce, row.nonce);
  same('fee ceiling', intent.maxFee ?? null, row.maxFee);
  return row;
}

function addressOf(adapter: ChainAdapter, publicKey: string): string | undefined {
  try {
    return adapter.addressFromPublicKey(publicKey);
  } catch {
    return undefined;
  }
}

/** The intent as the row states it (what the EVM transaction must encode). */
function intentOf(row: Transfer, from: TransferIntent['from']): TransferIntent {
  return {
    transferId: row.id,
    chain: row.chain,
    from,
    to: row.toAddress,
    token: row.tokenAddress
      ? { kind: 'token', address: row.tokenAddress, decimals: row.tokenDecimals }
      : { kind: 'native', symbol: row.token, decimals: row.tokenDecimals },
    rawAmount: row.rawAmount,
    ...(row.kind === 'evm_call' && row.callData ? { request: { kind: 'evm_call', data: row.callData } } : {}),
  };
}

const lower = (v: string | null | undefined) => (v ?? '').toLowerCase();

/** The digest is keccak256 of an EIP-1559 transaction on the pinned chain, with this transfer's nonce and call. */
async function checkEvm(
  prisma: PrismaClient,
  adapter: ChainAdapter,
  row: Transfer,
  input: TransferInput,
  unsigned: UnsignedTx,
): Promise<void> {
  if (unsigned.payloads.length !== 1) refuse('an EVM transaction has exactly one payload');
  let tx: TransactionSerializableEIP1559;
  try {
    same('digest', unsigned.payloads[0]!.payload, keccak256(unsigned.unsigned as Hex).slice(2));
    tx = parseTransaction(unsigned.unsigned as Hex) as TransactionSerializableEIP1559;
  } catch (err) {
    if (err instanceof Refusal) throw err;
    return refuse('the unsigned transaction does not parse');
  }
  same('transaction type', tx.type, 'eip1559');
  same('chain id', tx.chainId, pinnedChainId(adapter.network));
  const reserved = await prisma.nonceReservation.findUnique({ where: { transferId: row.id } });
  if (!reserved || reserved.status === 'released') refuse('no nonce is reserved for this transfer');
  same('nonce', String(tx.nonce ?? 0), reserved!.nonce.toFixed());
  same('recorded nonce', unsigned.details.nonce, reserved!.nonce.toFixed());
  checkEvmFees(adapter, row, unsigned, tx);
  if (unsigned.details.replacement === 'cancel') {
    // A cancel moves nothing: zero to the sender itself, with the transfer's nonce.
    same('cancel recipient', lower(tx.to), lower(row.fromAddress));
    same('cancel value', tx.value ?? 0n, 0n);
    same('cancel data', tx.data ?? '0x', '0x');
    return;
  }
  const call = transferCall(intentOf(row, input.intent.from));
  same('recipient', lower(tx.to), lower(call.to));
  same('value', tx.value ?? 0n, call.value);
  same('call data', lower(tx.data ?? '0x'), lower(call.data ?? '0x'));
}

/** Fees within the network caps, and (except a replacement, whose request may raise it) the transfer's maxFee. */
function checkEvmFees(
  adapter: ChainAdapter,
  row: Transfer,
  unsigned: UnsignedTx,
  tx: TransactionSerializableEIP1559,
): void {
  const caps = evmFeeLimits(adapter.network);
  const maxFeePerGas = tx.maxFeePerGas ?? 0n;
  if (caps.maxFeePerGas !== undefined && maxFeePerGas > caps.maxFeePerGas)
    refuse('maxFeePerGas is above the network cap');
  if (caps.maxPriorityFeePerGas !== undefined && (tx.maxPriorityFeePerGas ?? 0n) > caps.maxPriorityFeePerGas)
    refuse('maxPriorityFeePerGas is above the network cap');
  if (row.maxFee && unsigned.details.replacement === undefined && (tx.gas ?? 0n) * maxFeePerGas > BigInt(row.maxFee))
    refuse("the fee is above the transfer's maxFee");
}

/** A caller-built Solana transaction: the message signed is the stored transaction's, byte for byte. */
function checkSolanaRequest(row: Transfer, unsigned: UnsignedTx): void {
  if (unsigned.payloads.length !== 1) refuse('a caller-built Solana transaction has exactly one payload');
  same('transaction', unsigned.unsigned, row.callData);
  const message = bytesToHex(decodeSolanaTransaction(row.callData!).message.serialize());
  same('message', unsigned.payloads[0]!.payload, message);
}

export interface SigningCheckDeps {
  prisma: PrismaClient;
  chains: ChainRegistry;
}

/** Throws `signing_refused` (non-retryable, audited) unless the row behind `input` asked for exactly this. */
export async function assertTransferMatches(deps: SigningCheckDeps, input: TransferInput): Promise<void> {
  await refused(deps, input, undefined, async () => {
    await storedTransfer(deps.prisma, deps.chains.get(input.network), input);
  });
}

/** The full check before the signer is called: the row, the attempt number, and what the payloads encode. */
export async function assertSigningMatches(
  deps: SigningCheckDeps,
  input: TransferInput,
  unsigned: UnsignedTx,
  attempt: number,
): Promise<void> {
  await refused(deps, input, attempt, async () => {
    const adapter = deps.chains.get(input.network);
    const row = await storedTransfer(deps.prisma, adapter, input);
    if (!Number.isInteger(attempt) || attempt < 1) refuse('bad attempt number');
    const stored = await deps.prisma.transferAttempt.count({ where: { transferId: row.id } });
    if (stored !== attempt - 1) refuse(`attempt ${attempt} is not the next attempt (${stored} stored)`);
    same('unsigned chain', unsigned?.chain, row.chain);
    if (!Array.isArray(unsigned.payloads) || unsigned.payloads.length === 0) refuse('nothing to sign');
    if (unsigned.payloads.some((p) => p.curve !== adapter.curve)) refuse(`payloads must be ${adapter.curve}`);
    if (adapter.network.family === 'evm') await checkEvm(deps.prisma, adapter, row, input, unsigned);
    else if (row.kind === 'solana_transaction') checkSolanaRequest(row, unsigned);
  });
}

async function refused(
  { prisma }: SigningCheckDeps,
  input: TransferInput,
  attempt: number | undefined,
  check: () => Promise<void>,
): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    // Audited in the wallet owner's log (the input's tenant may be a lie).
    const wallet = await prisma.wallet.findUnique({ where: { id: input.walletId } }).catch(() => null);
    await recordAudit(prisma, {
      tenantId: wallet?.tenantId ?? input.tenantId,
      type: 'signing_refused',
      actor: SYSTEM_ACTOR,
      ...(wallet ? { walletId: wallet.id } : {}),
      details: {
        reason: err.message,
        source: 'workflow',
        transferId: String(input.transferId).slice(0, 100),
        ...(attempt !== undefined ? { attempt } : {}),
      },
    });
    throw terminal(ErrorId.SigningRefused, `signing refused: ${err.message}`);
  }
}

/** Whether the calling workflow may write this transfer's projection: its row exists and names this workflow. */
export async function ownsProjection(prisma: PrismaClient, transferId: string): Promise<boolean> {
  const row = await prisma.transfer.findUnique({ where: { id: transferId }, select: { workflowId: true } });
  const workflowId = callingWorkflowId();
  return row !== null && (workflowId === undefined || row.workflowId === workflowId);
}
