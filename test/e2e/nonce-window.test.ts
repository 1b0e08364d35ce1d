/**
 * The caller-forced nonce window is per network config (`maxNonceAhead`, env `NONCE_WINDOW_<NETWORK>`): here anvil
 * with a window of 2. Beyond it → `400 bad_nonce`, nothing signed; at its edge the transfer is accepted and waits
 * behind the gap, which the caller then fills with the missing nonces: all three land, in nonce order.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

interface TransferBody {
  transferId: string;
  status: string;
  nonce: string | null;
  transactionHash: string;
}

const chain = createEvmClient(process.env.RPC_URL_ANVIL!);
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    chains: new ChainRegistry(loadNetworks({ ...process.env, NONCE_WINDOW_ANVIL: '2' })),
  });
});
afterAll(async () => {
  await stack?.close();
});

const randomAddress = () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;

describe('configured nonce window (NONCE_WINDOW_ANVIL=2)', { timeout: 180_000 }, () => {
  it('refuses a forced nonce past the window, accepts one at its edge; the gap filled, all land', async () => {
    const w = await stack.call<{ walletId: string; address: Hex }>('POST', '/api/wallets', { userId: 'window' });
    expect(w.status).toBe(201);
    const f = await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: w.body.address, amount: '2' });
    expect(f.status).toBe(200);
    expect(await chain.getTransactionCount({ address: w.body.address })).toBe(0);
    const send = (nonce: string) =>
      stack.call<{ transferId: string; id?: string; message?: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to: randomAddress(),
        token: 'NATIVE',
        amount: '0.01',
        walletId: w.body.walletId,
        nonce,
      });

    const beyond = await send('0x3');
    expect(beyond.status, JSON.stringify(beyond.body)).toBe(400);
    expect(beyond.body).toMatchObject({ id: 'bad_nonce', message: expect.stringContaining('more than 2 ahead') });
    const refused = await stack.runtime.prisma.transfer.findMany({
      where: { walletId: w.body.walletId },
      include: { attempts: true },
    });
    expect(refused.map((t) => [t.status, t.attempts.length])).toEqual([['failed', 0]]);

    const edge = await send('0x2');
    expect([200, 202], JSON.stringify(edge.body)).toContain(edge.status);
    const fills = [await send('0x0'), await send('0x1')];
    const finals = await Promise.all(
      [edge, ...fills].map((s) => waitForTransfer<TransferBody>(stack, s.body.transferId, undefined, 90_000)),
    );
    expect(finals.map((t) => [t.status, t.nonce])).toEqual([
      ['finalized', '2'],
      ['finalized', '0'],
      ['finalized', '1'],
    ]);
    expect(await chain.getTransactionCount({ address: w.body.address })).toBe(3);
  });
});
