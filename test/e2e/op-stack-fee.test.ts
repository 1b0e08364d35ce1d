/**
 * The OP-stack L1 data fee through the API: chains/networks/evm.json's `base` entry (params.opStack) served by anvil
 * (its chain id, its block timing) with a GasPriceOracle stub (test/support/op-stack-oracle.ts). A send of the whole
 * balance less the L2 fee is refused before signing; a send that leaves room for both lands, reporting both.
 */
import { type Hex, parseGwei } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { insteadOfAnvil, networkOnAnvil } from '../support/network-on-anvil.js';
import { installL1FeeOracle } from '../support/op-stack-oracle.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const anvil = createEvmClient(anvilUrl);
/** ≈ 0.00005 ETH for a plain transfer's ~45 unsigned bytes: well above its L2 fee on anvil. */
const WEI_PER_BYTE = parseGwei('1000');
let restore: () => Promise<void>;
let stack: TestStack;

beforeAll(async () => {
  restore = await installL1FeeOracle(anvil, WEI_PER_BYTE);
  const networks = loadNetworks();
  // One network per chain id: the OP-stack Base takes anvil's 31337.
  stack = await startTestStack({
    chains: new ChainRegistry(insteadOfAnvil(networks, networkOnAnvil(networks, 'base', 'base-op-local', anvilUrl))),
  });
});
afterAll(async () => {
  await stack?.close();
  await restore?.();
});

const toEth = (wei: bigint) => {
  const s = wei.toString().padStart(19, '0');
  return `${s.slice(0, -18)}.${s.slice(-18)}`.replace(/\.?0+$/, '');
};

describe('OP-stack L1 data fee through POST /v1/assets/send', () => {
  it('send-max without room for the L1 fee: 400 insufficient_funds, nothing signed; with room: finalized, fee includes it', async () => {
    const created = await stack.call<{ walletId: string; address: Hex }>('POST', '/api/wallets', { userId: 'op' });
    expect(created.status).toBe(201);
    expect(
      (
        await stack.call('POST', '/v1/dev/faucet', {
          chain: 'base-op-local',
          address: created.body.address,
          amount: '0.01',
        })
      ).status,
    ).toBe(200);
    const balance = await anvil.getBalance({ address: created.body.address });
    const block = await anvil.getBlock();
    const tip = BigInt(await anvil.request({ method: 'eth_maxPriorityFeePerGas' }));
    // What a send-max that knows only the L2 fee would leave: 21000 × (2 × base fee + tip), + 10 % for base-fee drift.
    const l2Only = (21_000n * (2n * (block.baseFeePerGas ?? 0n) + tip) * 11n) / 10n;
    const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
    const send = (amount: bigint, key: string) =>
      stack.call<{ transferId: string; transactionHash: Hex; id?: string; message?: string }>(
        'POST',
        '/v1/assets/send',
        { chain: 'base-op-local', to, token: 'NATIVE', amount: toEth(amount), walletId: created.body.walletId },
        { 'idempotency-key': key },
      );

    const refused = await send(balance - l2Only, 'op-max');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ id: 'insufficient_funds', message: expect.stringContaining('L1 data fee') });
    expect(await anvil.getTransactionCount({ address: created.body.address })).toBe(0);

    // Room for the L2 fee and up to 100 bytes of L1 fee at 125 %.
    const room = l2Only + (100n * WEI_PER_BYTE * 125n) / 100n;
    const sent = await send(balance - room, 'op-fits');
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const final = await waitForTransfer<{ status: string; fee: string }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    const receipt = await anvil.getTransactionReceipt({ hash: sent.body.transactionHash });
    // The reported fee is the budget: the L2 fee paid plus at least 40 bytes' worth of L1 fee.
    expect(BigInt(final.fee)).toBeGreaterThan(receipt.gasUsed * receipt.effectiveGasPrice + 40n * WEI_PER_BYTE);
    expect(await anvil.getBalance({ address: to })).toBe(balance - room);
  });
});
