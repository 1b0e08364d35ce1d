/**
 * No signing oracle through Temporal. The attacker reaches the Temporal server directly (the test's
 * TEMPORAL_ADDRESS) and holds the payload codec key (the strongest case: an operator of the worker's
 * environment), so its workflow inputs decode. It starts transfer workflows on the worker's task queue for a real,
 * funded wallet, and (as a rogue worker completing its own workflow tasks would) calls the sign activity with
 * arguments of its choosing. Nothing is signed for anything the stored Transfer row did not ask for: the workflow
 * ends `failed` with `signing_refused`, no nonce is reserved, no attempt is stored, nothing reaches anvil, and the
 * wallet owner's audit log shows the refusal. Without the codec key (plaintext, or another key under our key id) its
 * inputs are not even decoded: the worker fails the workflow task and the workflow never reaches an activity.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createEvmClient } from '../../chains/evm/client.js';
import type { UnsignedTx } from '../../chains/types.js';
import type { Signer } from '../../signer/types.js';
import { codecKeyFrom, EncryptionCodec } from '../../temporal/codec.js';
import type { TransferInput, TransferProgress } from '../../workflows/shared.js';
import { fundedServerWallet, startTestStack, type TestStack } from '../support/stack.js';
import { anvilTransferInput, storeAnvilTransfer } from '../support/stored-transfer.js';

const { EventType } = proto.temporal.api.enums.v1;
const { History } = proto.temporal.api.history.v1;
const chain = createEvmClient(process.env.RPC_URL_ANVIL!);
let stack: TestStack;
let temporal: Client;
let connection: Connection;
let wallet: { walletId: string; address: Hex; publicKey: string };

const randomAddress = (): Hex => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}`;

const inputFor = (transferId: string, to: string, rawAmount: string): TransferInput =>
  anvilTransferInput(stack, wallet, transferId, to, rawAmount);

/** A Transfer row as POST /v1/assets/send writes it (pending, no workflow started for it). */
const storedTransfer = (to: string, rawAmount: string) => storeAnvilTransfer(stack, wallet, to, rawAmount);

async function runWorkflow(workflowId: string, input: TransferInput): Promise<TransferProgress> {
  const handle = await temporal.workflow.start('transferWorkflow', {
    workflowId,
    taskQueue: stack.taskQueue,
    args: [input],
  });
  return (await handle.result()) as TransferProgress;
}

async function refusals(): Promise<{ details: Record<string, unknown> }[]> {
  const res = await stack.call<{ data: { details: Record<string, unknown> }[] }>(
    'GET',
    `/v1/audit-events?type=signing_refused&walletId=${wallet.walletId}&limit=100`,
  );
  expect(res.status).toBe(200);
  return res.body.data;
}

async function expectNothingSigned(transferId: string): Promise<void> {
  const prisma = stack.runtime.prisma;
  expect(await prisma.transferAttempt.count({ where: { transferId } })).toBe(0);
  expect(await prisma.nonceReservation.count({ where: { transferId } })).toBe(0);
  expect(await chain.getTransactionCount({ address: wallet.address })).toBe(0);
}

beforeAll(async () => {
  stack = await startTestStack();
  wallet = await fundedServerWallet(stack, 'victim', '5');
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  temporal = new Client({ connection, dataConverter: stack.runtime.dataConverter });
});
afterAll(async () => {
  await connection?.close();
  await stack?.close();
});

describe('a client that reaches Temporal directly gets no signature', () => {
  it('a transfer workflow for a real wallet with no stored transfer is refused before anything is reserved', async () => {
    const transferId = `tr_${randomUUID()}`;
    const progress = await runWorkflow(`attack-${transferId}`, inputFor(transferId, randomAddress(), '10000'));
    expect(progress.status).toBe('failed');
    expect(progress.error?.id).toBe('signing_refused');
    await expectNothingSigned(transferId);
    const events = await refusals();
    expect(events.find((e) => e.details.transferId === transferId)?.details).toMatchObject({
      reason: 'no stored transfer',
      source: 'workflow',
    });
  });

  it('a workflow for a stored transfer with another recipient or amount is refused; so is another workflow id', async () => {
    const row = await storedTransfer(randomAddress(), '1000');
    const redirected = await runWorkflow(row.workflowId, inputFor(row.id, randomAddress(), '1000'));
    expect(redirected.error?.id).toBe('signing_refused');
    await expectNothingSigned(row.id);

    const other = await storedTransfer(randomAddress(), '1000');
    const stored = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: other.id } });
    const inflated = await runWorkflow(other.workflowId, inputFor(other.id, stored.toAddress, '4000000000000000000'));
    expect(inflated.error?.id).toBe('signing_refused');
    await expectNothingSigned(other.id);

    // The exact input of a pending transfer, but not its workflow id: refused, and its row is left as it was.
    const third = await storedTransfer(randomAddress(), '1000');
    const row3 = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: third.id } });
    const foreign = await runWorkflow(`attack-${third.id}`, inputFor(third.id, row3.toAddress, '1000'));
    expect(foreign.error?.id).toBe('signing_refused');
    await expectNothingSigned(third.id);
    expect((await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: third.id } })).status).toBe('pending');

    const reasons = new Map((await refusals()).map((e) => [e.details.transferId, e.details.reason]));
    expect(reasons.get(row.id)).toBe('recipient differs from the stored transfer');
    expect(reasons.get(other.id)).toBe('amount differs from the stored transfer');
    expect(reasons.get(third.id)).toBe('workflow id differs from the stored transfer');
  });
});

describe('the sign activity re-derives what it signs (a rogue worker picks every argument)', () => {
  it('signs only the digest of the transaction the stored row describes, for the next attempt', async () => {
    let signerCalls = 0;
    const signer: Signer = {
      createKey: () => Promise.reject(new Error('not used')),
      sign: (req) => {
        signerCalls++;
        return stack.runtime.signer.sign(req);
      },
    };
    const activities = createActivities({ prisma: stack.runtime.prisma, chains: stack.runtime.chains, signer });
    const to = randomAddress();
    const row = await storedTransfer(to, '1000');
    const input = inputFor(row.id, to, '1000');
    const preflight = await activities.preflight(input);
    const reservation = await activities.reserve(input, preflight);
    const legit = await activities.build(input, preflight, reservation);
    const redirected = await activities.build(inputFor(row.id, randomAddress(), '1000'), preflight, reservation);
    const inflated = await activities.build(inputFor(row.id, to, '999999'), preflight, reservation);
    // The row's own call, but fees of the caller's choosing: above anvil's cap (chains/networks/evm.json).
    const pricey = await activities.build(
      input,
      { ...preflight, context: { ...preflight.context, maxFeePerGas: (10n ** 13n).toString() } },
      reservation,
    );
    const attempts: [string, UnsignedTx, number][] = [
      ['recipient differs from the stored transfer', redirected, 1],
      ['value differs from the stored transfer', inflated, 1],
      ['maxFeePerGas is above the network cap', pricey, 1],
      // The legit transaction, but the digest of another one.
      ['digest differs from the stored transfer', { ...legit, payloads: redirected.payloads }, 1],
      // A second signature of attempt 1's slot, or a skipped attempt number.
      ['attempt 2 is not the next attempt (0 stored)', legit, 2],
      ['unsigned chain differs from the stored transfer', { ...legit, chain: 'ethereum' }, 1],
    ];
    for (const [reason, unsigned, attempt] of attempts) {
      const err = await activities.sign(input, unsigned, attempt).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, reason).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe('signing_refused');
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      expect((err as ApplicationFailure).message).toBe(`signing refused: ${reason}`);
    }
    // Tampered intent with a legit-looking transaction: the row decides, not the input.
    const lying = await activities
      .sign({ ...input, intent: { ...input.intent, to: randomAddress() } }, legit, 1)
      .catch((e: ApplicationFailure) => e);
    expect((lying as ApplicationFailure).type).toBe('signing_refused');
    expect(signerCalls).toBe(0);

    // The transaction the row asked for signs (the refusals above were not the signer failing).
    const signatures = await activities.sign(input, legit, 1);
    expect(signatures).toHaveLength(1);
    expect(signerCalls).toBe(1);
    const reasons = (await refusals()).filter((e) => e.details.transferId === row.id).map((e) => e.details.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([...attempts.map(([r]) => r), 'recipient differs from the stored transfer']),
    );
    await activities.releaseReservation(input);
    expect(await chain.getTransactionCount({ address: wallet.address })).toBe(0);
  });
});

describe('the worker decodes only payloads sealed with its codec key', () => {
  /** Starts the exact input of a pending transfer (it would sign if decoded) through `dataConverter`. */
  async function startForeign(dataConverter: DataConverter | undefined) {
    const to = randomAddress();
    const row = await storedTransfer(to, '1000');
    const client = new Client({ connection, ...(dataConverter ? { dataConverter } : {}) });
    const handle = await client.workflow.start('transferWorkflow', {
      workflowId: row.workflowId,
      taskQueue: stack.taskQueue,
      args: [inputFor(row.id, to, '1000')],
    });
    return { row, handle };
  }

  it('a client without the codec, or with another key under our key id, never reaches an activity', async () => {
    const ourId = codecKeyFrom(stack.env).id;
    const forged = { payloadCodecs: [new EncryptionCodec({ id: ourId, key: Buffer.alloc(32, 7) })] };
    for (const converter of [undefined, forged]) {
      const { row, handle } = await startForeign(converter);
      // The worker picks the task up and fails it on decode (Temporal retries it; it fails the same way).
      let types: number[] = [];
      for (let i = 0; i < 150 && !types.includes(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED); i++) {
        types = ((await handle.fetchHistory()).events ?? []).map((e) => Number(e.eventType));
        if (!types.includes(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      await handle.terminate('test over');
      await expectNothingSigned(row.id);
      expect((await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('pending');
    }
  });
});

describe('failure text in history is encrypted too', () => {
  it("a failed transfer's raw history has no plaintext failure message or stack, and the error names no balance", async () => {
    const sent = await stack.call<{ id: string; message: string }>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to: randomAddress(), token: 'NATIVE', amount: '100', walletId: wallet.walletId },
      { 'idempotency-key': `broke-${randomUUID()}` },
    );
    expect(sent.status).toBe(400);
    expect(sent.body.id).toBe('insufficient_funds');
    // The caller still hears why (the API decodes the failure), but not what the wallet holds.
    expect(sent.body.message).toContain('100000000000000000000 wei');
    const balance = await chain.getBalance({ address: wallet.address });
    expect(sent.body.message).not.toContain(balance.toString());

    const row = await stack.runtime.prisma.transfer.findFirstOrThrow({
      where: { walletId: wallet.walletId, errorId: 'insufficient_funds' },
    });
    // No codec: what an operator of the Temporal server (or its database) reads.
    const history = await new Client({ connection }).workflow.getHandle(row.workflowId).fetchHistory();
    const events = history.events ?? [];
    const failed = events.find((e) => Number(e.eventType) === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.encodedAttributes?.metadata).toBeDefined();
    expect(failed?.activityTaskFailedEventAttributes?.failure?.stackTrace ?? '').toBe('');
    const raw = Buffer.from(History.encode(history).finish());
    expect(raw.includes(Buffer.from('binary/encrypted'))).toBe(true);
    for (const text of [sent.body.message, 'balance is below', 'preflight.ts', 'activities/failure.ts', 'at async']) {
      expect(raw.includes(Buffer.from(text)), text).toBe(false);
    }
  });
});
