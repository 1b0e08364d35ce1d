/**
 * Webhooks for real transfers: API → Temporal workflow → chain (anvil, and the Solana test peer on litesvm),
 * every state change delivered to a real HTTP receiver on loopback, in order, verified with `standardwebhooks`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { generatePrivateKey, publicKeyOf } from '../../signer/local-key.js';
import type { SolanaTestPeer } from '../peers/solana/server.js';
import { type RunningChain, solanaCase } from '../support/chain-cases.js';
import { type TestStack, waitForTransfer } from '../support/stack.js';
import { type ReceivedHook, verifyHook, type WebhookReceiver } from '../support/webhook-receiver.js';
import { startWebhookTestStack, type WebhookTestStack } from '../support/webhook-stack.js';

interface TransferBody {
  transferId: string;
  status: string;
  timestamps: Record<string, string | null>;
  error: { id: string } | null;
}

let solana: RunningChain;
let registry: ChainRegistry;
let stack: TestStack;
let receiver: WebhookReceiver;
let secret: string;
let hooks: WebhookTestStack;

const hooksOf = (transferId: string): ReceivedHook[] =>
  receiver.received.filter((h) => h.json.data.transferId === transferId);

/** The events a transfer's stored timestamps say it went through (no reorg in these tests). */
function expectedTypes(t: TransferBody): string[] {
  return ['submitted', 'confirmed', 'finalized', 'failed']
    .filter((s) => t.timestamps[s] !== null)
    .map((s) => `transfer.${s}`);
}

async function walletOn(network: string, userId: string, amount: string) {
  const w = await stack.call<{ walletId: string; addresses: Record<string, string> }>('POST', '/api/wallets', {
    userId,
  });
  expect(w.status).toBe(201);
  const address = w.body.addresses[network]!;
  expect((await stack.call('POST', '/v1/dev/faucet', { chain: network, address, amount })).status).toBe(200);
  return { walletId: w.body.walletId, address };
}

function recipient(network: string): string {
  const adapter = registry.get(network);
  return adapter.addressFromPublicKey(publicKeyOf(adapter.curve, generatePrivateKey(adapter.curve)));
}

async function sendAndFollow(network: string, amount: string, fund: string): Promise<TransferBody> {
  const wallet = await walletOn(network, `u-${network}-${randomBytes(4).toString('hex')}`, fund);
  const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
    chain: network,
    to: recipient(network),
    token: 'NATIVE',
    amount,
    walletId: wallet.walletId,
  });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId, undefined, 90_000);
  expect(final.status).toBe('finalized');
  return final;
}

async function expectDeliveredInOrder(t: TransferBody): Promise<void> {
  const want = expectedTypes(t);
  expect(want[0]).toBe('transfer.submitted');
  await receiver.waitFor(() => hooksOf(t.transferId).length >= want.length);
  const hooks = hooksOf(t.transferId);
  expect(hooks.map((h) => h.json.type)).toEqual(want);
  expect(hooks.map((h) => h.json.data.sequence)).toEqual(want.map((_, i) => i + 1));
  for (const h of hooks) {
    const payload = verifyHook(secret, h) as { type: string; data: { status: string } };
    expect(`transfer.${payload.data.status}`).toBe(payload.type);
  }
  expect(new Set(hooks.map((h) => h.id)).size).toBe(hooks.length);
}

beforeAll(async () => {
  solana = await solanaCase.start();
  registry = new ChainRegistry(loadNetworks({ ...process.env, ...solana.env }));
  hooks = await startWebhookTestStack(registry);
  ({ stack, receiver, secret } = hooks);
});
afterAll(async () => {
  await hooks?.close();
  await solana?.stop();
});

describe('webhooks for real transfers', () => {
  it('EVM (anvil): submitted → … → finalized, each state once, in order, verified with standardwebhooks', async () => {
    const final = await sendAndFollow('anvil', '0.01', '1');
    await expectDeliveredInOrder(final);
  });

  it('EVM (anvil): a transfer refused by preflight reports transfer.failed with its error id', async () => {
    const wallet = await walletOn('anvil', `poor-${randomBytes(4).toString('hex')}`, '0.001');
    const sent = await stack.call<{ id: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to: recipient('anvil'),
      token: 'NATIVE',
      amount: '5',
      walletId: wallet.walletId,
    });
    expect(sent.status).toBe(400);
    expect(sent.body.id).toBe('insufficient_funds');
    const transfer = await stack.runtime.prisma.transfer.findFirstOrThrow({ where: { walletId: wallet.walletId } });
    await receiver.waitFor(() => hooksOf(transfer.id).length >= 1);
    const [hook] = hooksOf(transfer.id);
    verifyHook(secret, hook!);
    expect(hook!.json).toMatchObject({
      type: 'transfer.failed',
      data: { status: 'failed', sequence: 1, error: { id: 'insufficient_funds' } },
    });
  });

  it('Solana (test peer on litesvm): submitted → confirmed → finalized, in order, verified', async () => {
    const final = await sendAndFollow('solana-local', solanaCase.send, solanaCase.fund);
    await expectDeliveredInOrder(final);
  });

  it('Solana: a transfer refused by preflight (insufficient funds) reports transfer.failed, verified', async () => {
    const wallet = await walletOn('solana-local', `sol-poor-${randomBytes(4).toString('hex')}`, solanaCase.send);
    const sent = await stack.call<{ id: string; message: string }>('POST', '/v1/assets/send', {
      chain: 'solana-local',
      to: recipient('solana-local'),
      token: 'NATIVE',
      amount: solanaCase.fund,
      walletId: wallet.walletId,
    });
    expect(sent.status).toBe(400);
    expect(sent.body.id).toBe('insufficient_funds');
    const transfer = await stack.runtime.prisma.transfer.findFirstOrThrow({ where: { walletId: wallet.walletId } });
    await receiver.waitFor(() => hooksOf(transfer.id).length >= 1);
    const [hook] = hooksOf(transfer.id);
    expect(verifyHook(secret, hook!)).toMatchObject({ type: 'transfer.failed' });
    expect(hook!.json.data).toMatchObject({
      transferId: transfer.id,
      chain: 'solana-local',
      status: 'failed',
      sequence: 1,
      transactionHash: null,
      error: { id: 'insufficient_funds' },
    });
  });

  it('Solana: a transaction the cluster never includes expires three times → transfer.failed (tx_expired), verified', async () => {
    const wallet = await walletOn('solana-local', `sol-drop-${randomBytes(4).toString('hex')}`, solanaCase.fund);
    const peer = solana.extra!.peer as SolanaTestPeer;
    peer.setDropIncoming(true); // the RPC accepts it, the cluster never includes it
    let transferId: string;
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'solana-local',
        to: recipient('solana-local'),
        token: 'NATIVE',
        amount: solanaCase.send,
        walletId: wallet.walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      transferId = sent.body.transferId;
      const final = await waitForTransfer<TransferBody>(stack, transferId, undefined, 90_000);
      expect(final).toMatchObject({ status: 'failed', error: { id: 'tx_expired' } });
    } finally {
      peer.setDropIncoming(false);
    }
    await receiver.waitFor(() => hooksOf(transferId).some((h) => h.json.type === 'transfer.failed'));
    const hooks = hooksOf(transferId);
    for (const h of hooks) verifyHook(secret, h);
    expect(hooks[0]!.json.type).toBe('transfer.submitted');
    expect(hooks.filter((h) => h.json.type === 'transfer.failed')).toHaveLength(1);
    expect(hooks.at(-1)!.json).toMatchObject({
      type: 'transfer.failed',
      data: { status: 'failed', error: { id: 'tx_expired' } },
    });
    expect(hooks.map((h) => h.json.data.sequence)).toEqual(hooks.map((_, i) => i + 1));
    expect(new Set(hooks.map((h) => h.id)).size).toBe(hooks.length);
  });

  it('wallet.created for each wallet made in this file, verified', async () => {
    const created = receiver.received.filter((h) => h.json.type === 'wallet.created');
    expect(created.length).toBeGreaterThanOrEqual(3);
    for (const h of created) verifyHook(secret, h);
  });
});
