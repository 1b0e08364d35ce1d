/**
 * A pending anvil Transfer row exactly as POST /v1/assets/send writes it (no workflow started for it), and the
 * workflow input that matches it: for tests that drive activities or workflows directly against the real database.
 */
import { randomUUID } from 'node:crypto';
import type { Hex } from 'viem';
import { transferWorkflowId } from '../../transfers/submit.js';
import type { TransferInput } from '../../workflows/shared.js';
import type { TestStack } from './stack.js';

export interface StoredTransfer {
  id: string;
  workflowId: string;
  input: TransferInput;
}

export async function storeAnvilTransfer(
  stack: TestStack,
  wallet: { walletId: string; address: Hex; publicKey: string },
  to: string,
  rawAmount: string,
): Promise<StoredTransfer> {
  const tenantId = stack.env.DEV_TENANT_ID!;
  const id = `tr_${randomUUID()}`;
  const workflowId = transferWorkflowId(tenantId, 'server', id);
  await stack.runtime.prisma.transfer.create({
    data: {
      id,
      tenantId,
      walletId: wallet.walletId,
      idempotencyKey: id,
      idempotencyScope: 'server',
      requestHash: 'h',
      workflowId,
      chain: 'anvil',
      caip2: 'eip155:31337',
      fromAddress: wallet.address,
      toAddress: to,
      token: 'NATIVE',
      tokenDecimals: 18,
      amount: '0',
      rawAmount,
      requiredConfirmations: 1,
    },
  });
  return { id, workflowId, input: anvilTransferInput(stack, wallet, id, to, rawAmount) };
}

/** The workflow input for an anvil transfer of `rawAmount` wei (whether or not a row matches it). */
export function anvilTransferInput(
  stack: TestStack,
  wallet: { walletId: string; address: Hex; publicKey: string },
  transferId: string,
  to: string,
  rawAmount: string,
): TransferInput {
  return {
    transferId,
    tenantId: stack.env.DEV_TENANT_ID!,
    walletId: wallet.walletId,
    network: 'anvil',
    intent: {
      transferId,
      chain: 'anvil',
      from: { address: wallet.address, publicKey: wallet.publicKey },
      to,
      token: { kind: 'native', symbol: 'ETH', decimals: 18 },
      rawAmount,
    },
    requiredConfirmations: 1,
    pollIntervalMs: 200,
  };
}
