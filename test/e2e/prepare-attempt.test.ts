/**
 * The merged pre-broadcast activity (`prepareAttempt`: preflight → reserve → build → sign → store) against the real
 * database, anvil and signer: a re-execution (a retry, or a worker that died after the store) returns the stored
 * attempt byte for byte and never signs again; the sign step's check against the stored row still refuses what the
 * row did not ask for.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { Signer } from '../../signer/types.js';
import type { TransferInput } from '../../workflows/shared.js';
import { fundedServerWallet, startTestStack, type TestStack } from '../support/stack.js';
import { storeAnvilTransfer } from '../support/stored-transfer.js';

let stack: TestStack;
let wallet: { walletId: string; address: Hex; publicKey: string };
const randomAddress = (): Hex => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}`;

beforeAll(async () => {
  stack = await startTestStack();
  wallet = await fundedServerWallet(stack, 'prep', '1');
});
afterAll(async () => {
  await stack?.close();
});

/** A stored Transfer row (as POST /v1/assets/send writes it) and the workflow input that matches it. */
async function storedTransfer(rawAmount: string): Promise<TransferInput> {
  return (await storeAnvilTransfer(stack, wallet, randomAddress(), rawAmount)).input;
}

function countingActivities() {
  const signed: string[] = [];
  const signer: Signer = {
    ...stack.runtime.signer,
    sign: async (req) => {
      signed.push(req.payload);
      return stack.runtime.signer.sign(req);
    },
  } as Signer;
  const activities = createActivities({ prisma: stack.runtime.prisma, chains: stack.runtime.chains, signer });
  return { activities, signed };
}

describe('prepareAttempt', () => {
  it('signs and stores once; a re-execution returns the stored attempt without signing again', async () => {
    const input = await storedTransfer('1000');
    const { activities, signed } = countingActivities();
    const first = await activities.prepareAttempt(input, 1, 'initial');
    expect(signed).toHaveLength(1);
    const stored = await stack.runtime.prisma.transferAttempt.findMany({ where: { transferId: input.transferId } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ attempt: 1, raw: first.signed.raw, txHash: first.signed.hash });
    const row = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: input.transferId } });
    expect(row).toMatchObject({ status: 'signed', transactionHash: first.signed.hash });

    // The worker died after the store (or the activity's completion was lost): Temporal runs it again.
    const again = await activities.prepareAttempt(input, 1, 'initial');
    expect(again).toEqual(first);
    expect(signed).toHaveLength(1);
    expect(first.details.nonce).toBe('0');
    expect(first.details).not.toHaveProperty('feeEstimate');
    expect(BigInt(first.fee)).toBeGreaterThan(0n);
    expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: input.transferId } })).toBe(1);
  });

  it('a worker killed between the store and the projection: the re-execution writes the nonce and `signed`, once', async () => {
    const input = await storedTransfer('1500');
    const { activities, signed } = countingActivities();
    const first = await activities.prepareAttempt(input, 1, 'initial');
    // What the killed process left behind: the bytes are stored, the Transfer row never heard of them.
    await stack.runtime.prisma.transfer.update({
      where: { id: input.transferId },
      data: { status: 'pending', nonce: null, transactionHash: null, signedAt: null },
    });
    const again = await activities.prepareAttempt(input, 1, 'initial');
    expect(again).toEqual(first);
    expect(signed).toHaveLength(1);
    const healed = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: input.transferId } });
    expect(healed).toMatchObject({ status: 'signed', nonce: first.details.nonce, transactionHash: first.signed.hash });
    expect(healed.signedAt).not.toBeNull();

    // A late duplicate of the activity after a node accepted the bytes never moves the transfer back.
    await stack.runtime.prisma.transfer.update({ where: { id: input.transferId }, data: { status: 'submitted' } });
    await activities.prepareAttempt(input, 1, 'initial');
    const after = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: input.transferId } });
    expect(after.status).toBe('submitted');
    expect(signed).toHaveLength(1);
  });

  it('an input that differs from the stored row is refused: nothing reserved, signed or stored', async () => {
    const input = await storedTransfer('2000');
    const { activities, signed } = countingActivities();
    const forged: TransferInput = { ...input, intent: { ...input.intent, rawAmount: '999999' } };
    await expect(activities.prepareAttempt(forged, 1, 'initial')).rejects.toMatchObject({ type: 'signing_refused' });
    expect(signed).toHaveLength(0);
    expect(await stack.runtime.prisma.nonceReservation.count({ where: { transferId: input.transferId } })).toBe(0);
    expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: input.transferId } })).toBe(0);
  });
});
