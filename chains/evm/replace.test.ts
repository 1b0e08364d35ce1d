/**
 * Same-nonce replacements on a real anvil with mining paused (its own anvil: pausing touches no other test).
 * An automatic bump of a transaction that waits behind the sender's earlier unmined nonce is refused
 * (`replacement_waiting`: a higher fee cannot get it in first); the head of the queue, and a caller's speed-up, are
 * bumped (+12.5 %) and replace the original in the pool.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnvilHandle, startAnvil } from '../../scripts/stack/anvil.js';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { loadNetworks } from '../networks.js';
import type { ChainAdapter, SignedTx, TransferIntent, UnsignedTx } from '../types.js';
import { createEvmClient } from './client.js';
import { createEvmAdapter } from './index.js';

let anvil: AnvilHandle;
let adapter: ChainAdapter;
let client: ReturnType<typeof createEvmClient>;

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1 });
  const network = loadNetworks({ ...process.env, RPC_URL_ANVIL: anvil.rpcUrl }).find((n) => n.name === 'anvil')!;
  adapter = createEvmAdapter(network);
  client = createEvmClient(anvil.rpcUrl);
});
afterAll(async () => {
  await client?.request({ method: 'evm_setIntervalMining' as never, params: [1] as never }).catch(() => {});
  await anvil?.stop();
});

const mining = (on: boolean) =>
  client.request({ method: 'evm_setIntervalMining' as never, params: [on ? 1 : 0] as never });

function signAndAssemble(unsigned: UnsignedTx, sk: string): SignedTx {
  return adapter.assemble(
    unsigned,
    unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload)),
  );
}

describe('EVM same-nonce replacement', () => {
  it('an automatic bump waits behind an unmined earlier nonce; the queue head and a caller speed-up are bumped', async () => {
    const sk = generatePrivateKey('secp256k1');
    const publicKey = publicKeyOf('secp256k1', sk);
    const from = adapter.addressFromPublicKey(publicKey);
    await adapter.faucet!(from, (10n ** 18n).toString());
    const intent = (n: number): TransferIntent => ({
      transferId: `t-${n}`,
      chain: 'anvil',
      from: { address: from, publicKey },
      to: `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}`,
      token: { kind: 'native', symbol: 'ETH', decimals: 18 },
      rawAmount: '1000',
    });
    await mining(false);
    const sent: { intent: TransferIntent; unsigned: UnsignedTx; signed: SignedTx }[] = [];
    for (const n of [0, 1]) {
      const i = intent(n);
      const pre = await adapter.preflight(i);
      expect(pre.errors).toEqual([]);
      const unsigned = await adapter.build(i, pre, { nonce: String(n) });
      const signed = signAndAssemble(unsigned, sk);
      await adapter.broadcast(signed);
      sent.push({ intent: i, unsigned, signed });
    }
    const [head, queued] = sent as [(typeof sent)[0], (typeof sent)[0]];

    await expect(
      adapter.buildReplacement!(queued.intent, queued.unsigned.details, { kind: 'speed_up', automatic: true }),
    ).rejects.toMatchObject({ id: 'replacement_waiting' });

    // The queue head is what holds the rest up: its automatic bump goes through.
    const bumped = await adapter.buildReplacement!(head.intent, head.unsigned.details, {
      kind: 'speed_up',
      automatic: true,
    });
    expect(bumped.details.nonce).toBe('0');
    expect(BigInt(String(bumped.details.maxPriorityFeePerGas)) * 8n).toBeGreaterThanOrEqual(
      BigInt(String(head.unsigned.details.maxPriorityFeePerGas)) * 9n,
    );
    const replacement = signAndAssemble(bumped, sk);
    await adapter.broadcast(replacement);

    // A caller's speed-up is theirs to ask for, queued or not.
    const asked = await adapter.buildReplacement!(queued.intent, queued.unsigned.details, { kind: 'speed_up' });
    expect(asked.details.nonce).toBe('1');

    await mining(true);
    for (let i = 0; i < 50 && (await client.getTransactionCount({ address: from as Hex })) < 2; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(await client.getTransactionCount({ address: from as Hex })).toBe(2);
    // The replacement of nonce 0 landed, the original did not.
    expect((await client.getTransactionReceipt({ hash: replacement.hash as Hex })).status).toBe('success');
    await expect(client.getTransactionReceipt({ hash: head.signed.hash as Hex })).rejects.toThrow();
  });
});
