import { encodeFunctionData, type Hex, parseTransaction, erc20Abi as standardErc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import { blockOnTestToken, deployTestToken, mintTestToken } from '../../test/support/erc20.js';
import { loadNetworks } from '../networks.js';
import type { ChainAdapter, ChainStatus, TransferIntent } from '../types.js';
import { createEvmClient } from './client.js';
import { erc20Abi } from './erc20.js';
import { createEvmAdapter } from './index.js';

const network = loadNetworks().find((n) => n.name === 'anvil')!;
const adapter: ChainAdapter = createEvmAdapter(network);
const client = createEvmClient(network.rpcUrl);

function newKey() {
  const sk = generatePrivateKey('secp256k1');
  const publicKey = publicKeyOf('secp256k1', sk);
  return { sk, publicKey, address: adapter.addressFromPublicKey(publicKey) };
}

async function sendThrough(intent: TransferIntent, sk: string) {
  const pre = await adapter.preflight(intent);
  expect(pre.errors).toEqual([]);
  const nonce = await adapter.getChainNonce!(intent.from.address);
  const unsigned = await adapter.build(intent, pre, { nonce });
  const sigs = unsigned.payloads.map((p) => signWithPrivateKey(p.curve, sk, p.payload));
  const signed = adapter.assemble(unsigned, sigs);
  const result = await adapter.broadcast(signed);
  return { signed, result, unsigned };
}

async function waitForFinal(hash: string): Promise<ChainStatus> {
  for (let i = 0; i < 100; i++) {
    const s = await adapter.getStatus(hash, { details: {} });
    if ((s.state === 'included' || s.state === 'failed') && s.final) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('not final in time');
}

describe('EVM adapter on anvil', () => {
  it('validates addresses and derives them from public keys', () => {
    expect(adapter.validateAddress('0xdFd8302f44727A6348F702fF7B594f127dE3A902')).toBe(true);
    expect(adapter.validateAddress('0xdfd8302f44727a6348f702ff7b594f127de3a902')).toBe(true);
    expect(adapter.validateAddress('0xdFd8302f44727A6348F702fF7B594f127dE3A90')).toBe(false);
    expect(adapter.validateAddress('0xdFd8302f44727a6348F702fF7B594f127dE3A902')).toBe(false); // bad checksum
    expect(adapter.validateAddress('bc1qxyz')).toBe(false);
    // anvil's well-known account 0
    const pk = publicKeyOf('secp256k1', 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
    expect(adapter.addressFromPublicKey(pk)).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  });

  it('sends native value to finality, and a resend of the same bytes is already known', async () => {
    const from = newKey();
    const to = newKey();
    await adapter.faucet!(from.address, (10n ** 18n).toString());
    const intent: TransferIntent = {
      transferId: 't-native',
      chain: 'anvil',
      from: { address: from.address, publicKey: from.publicKey },
      to: to.address,
      token: await adapter.resolveToken('NATIVE'),
      rawAmount: (10n ** 16n).toString(),
    };
    const { signed, result } = await sendThrough(intent, from.sk);
    expect(result).toEqual({ hash: signed.hash, alreadyKnown: false });
    const again = await adapter.broadcast(signed);
    expect(again.hash).toBe(signed.hash);
    const status = await waitForFinal(signed.hash);
    expect(status).toMatchObject({ state: 'included', final: true });
    expect(await client.getBalance({ address: to.address as Hex })).toBe(10n ** 16n);
    // after inclusion, a resend answers "nonce too low": still recognised as ours
    expect(await adapter.broadcast(signed)).toEqual({ hash: signed.hash, alreadyKnown: true });
  });

  it('sends an ERC-20; preflight reports short balance and a transfer that would revert', async () => {
    const from = newKey();
    const to = newKey();
    await adapter.faucet!(from.address, (10n ** 18n).toString());
    const tokenAddress = await deployTestToken(network.rpcUrl, 6);
    await mintTestToken(network.rpcUrl, tokenAddress, from.address as Hex, 5_000_000n);
    const token = await adapter.resolveToken(tokenAddress);
    expect(token).toEqual({ kind: 'token', address: tokenAddress, decimals: 6 });
    const base = { chain: 'anvil', from: { address: from.address, publicKey: from.publicKey }, to: to.address, token };
    const tooMuch = await adapter.preflight({ ...base, transferId: 'x', rawAmount: '6000000' });
    expect(tooMuch.errors.map((e) => e.id)).toEqual(['insufficient_funds']);
    const blocked = newKey();
    await blockOnTestToken(network.rpcUrl, tokenAddress, blocked.address as Hex);
    const reverting = await adapter.preflight({ ...base, to: blocked.address, transferId: 'y', rawAmount: '1' });
    expect(reverting.errors.map((e) => e.id)).toEqual(['estimate_gas_reverted']);
    const { signed } = await sendThrough({ ...base, transferId: 't-erc20', rawAmount: '1250000' }, from.sk);
    await waitForFinal(signed.hash);
    const bal = await client.readContract({
      address: tokenAddress,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [to.address as Hex],
    });
    expect(bal).toBe(1_250_000n);
  });

  it('classifies a different transaction reusing a spent nonce as a terminal nonce conflict', async () => {
    const from = newKey();
    await adapter.faucet!(from.address, (10n ** 18n).toString());
    const intent: TransferIntent = {
      transferId: 't-a',
      chain: 'anvil',
      from: { address: from.address, publicKey: from.publicKey },
      to: newKey().address,
      token: await adapter.resolveToken('NATIVE'),
      rawAmount: '1000',
    };
    const first = await sendThrough(intent, from.sk);
    await waitForFinal(first.signed.hash);
    const pre = await adapter.preflight({ ...intent, rawAmount: '2000' });
    const unsigned = await adapter.build({ ...intent, rawAmount: '2000' }, pre, { nonce: '0' });
    const signed = adapter.assemble(
      unsigned,
      unsigned.payloads.map((p) => signWithPrivateKey(p.curve, from.sk, p.payload)),
    );
    await expect(adapter.broadcast(signed)).rejects.toMatchObject({ id: 'nonce_conflict', kind: 'terminal' });
    // The chain proves the second transaction dead: the block that used nonce 0 holds a different hash.
    const dead = await adapter.getStatus(signed.hash, { details: unsigned.details });
    expect(dead.state).toBe('expired');
    expect(dead.state === 'expired' && dead.reason).toContain(first.signed.hash);
    // …while the first one, same nonce, is never declared dead.
    expect((await adapter.getStatus(first.signed.hash, { details: first.unsigned.details })).state).toBe('included');
  });

  it('sends a caller-built contract call (evm_call): its calldata is signed as given, gas estimated with margin', async () => {
    const from = newKey();
    const spender = newKey();
    await adapter.faucet!(from.address, (10n ** 18n).toString());
    const tokenAddress = await deployTestToken(network.rpcUrl, 6);
    const data = encodeFunctionData({
      abi: standardErc20Abi,
      functionName: 'approve',
      args: [spender.address as Hex, 777n],
    });
    const intent: TransferIntent = {
      transferId: 't-call',
      chain: 'anvil',
      from: { address: from.address, publicKey: from.publicKey },
      to: tokenAddress,
      token: await adapter.resolveToken('NATIVE'),
      rawAmount: '0',
      request: { kind: 'evm_call', data },
    };
    const pre = await adapter.preflight(intent);
    expect(pre.errors).toEqual([]);
    const estimate = await client.estimateGas({ account: from.address as Hex, to: tokenAddress, data });
    expect(BigInt((pre.context as { gas: string }).gas)).toBe((estimate * 120n) / 100n);
    const { signed, unsigned } = await sendThrough(intent, from.sk);
    const tx = parseTransaction(unsigned.unsigned as Hex);
    expect([tx.to, tx.data, tx.value ?? 0n]).toEqual([tokenAddress.toLowerCase(), data, 0n]);
    expect(await waitForFinal(signed.hash)).toMatchObject({ state: 'included', final: true });
    const allowance = await client.readContract({
      address: tokenAddress,
      abi: standardErc20Abi,
      functionName: 'allowance',
      args: [from.address as Hex, spender.address as Hex],
    });
    expect(allowance).toBe(777n);

    // The caller's gas and fee caps are used as given; a gas limit below the estimate is refused before signing.
    const own = {
      ...intent,
      request: {
        kind: 'evm_call' as const,
        data,
        gas: '90000',
        maxFeePerGas: '3000000000',
        maxPriorityFeePerGas: '1000000000',
      },
    };
    const ownPre = await adapter.preflight(own);
    expect(ownPre.context).toMatchObject({
      gas: '90000',
      maxFeePerGas: '3000000000',
      maxPriorityFeePerGas: '1000000000',
    });
    const low = await adapter.preflight({ ...intent, request: { kind: 'evm_call', data, gas: '21000' } });
    expect(low.errors).toEqual([{ id: 'BAD_REQUEST', message: expect.stringContaining('below the estimate') }]);
    // Caps below the current base fee would never be included (and would hold the nonce): refused.
    await client.request({ method: 'anvil_setNextBlockBaseFeePerGas' as never, params: ['0x3b9aca00'] as never });
    await client.request({ method: 'evm_mine' as never });
    const under = await adapter.preflight({
      ...intent,
      request: { kind: 'evm_call', data, maxFeePerGas: '999999999', maxPriorityFeePerGas: '1' },
    });
    expect(under.errors).toEqual([
      { id: 'fee_too_low', message: expect.stringContaining('below the current base fee') },
    ]);
    // A call that reverts (value to a non-payable function) is reported, nothing to sign.
    const reverting = await adapter.preflight({ ...intent, rawAmount: '1' });
    expect(reverting.errors.map((e) => e.id)).toEqual(['estimate_gas_reverted']);
  });

  it('signs the chain id of the config, and refuses an RPC that serves another chain before anything is signed', async () => {
    const from = newKey();
    await adapter.faucet!(from.address, (10n ** 18n).toString());
    const intent: TransferIntent = {
      transferId: 't-chain',
      chain: 'anvil',
      from: { address: from.address, publicKey: from.publicKey },
      to: newKey().address,
      token: await adapter.resolveToken('NATIVE'),
      rawAmount: '1000',
    };
    const pre = await adapter.preflight(intent);
    const unsigned = await adapter.build(intent, pre, { nonce: '0' });
    expect(parseTransaction(unsigned.unsigned as Hex).chainId).toBe(31337);

    // The attacker's (or a typo'd) RPC_URL_BASE points at a node of chain 31337: the "base" adapter must not go on.
    const base = loadNetworks().find((n) => n.name === 'base')!;
    const misrouted = createEvmAdapter({ ...base, rpcUrl: network.rpcUrl });
    await expect(misrouted.preflight({ ...intent, chain: 'base' })).rejects.toMatchObject({
      id: 'rpc_chain_mismatch',
      kind: 'terminal',
    });
    // Even handed a preflight result carrying the RPC's chain id, build signs for the configured chain.
    const forged = { ...pre, context: { ...pre.context, chainId: 31337 } };
    const built = await misrouted.build({ ...intent, chain: 'base' }, forged, { nonce: '0' });
    expect(parseTransaction(built.unsigned as Hex).chainId).toBe(8453);
  });

  it('keeps fees under the network caps and a request maxFee: clamps the headroom, refuses what inclusion needs above', async () => {
    const from = newKey();
    const to = newKey();
    await adapter.faucet!(from.address, (10n ** 18n).toString());
    await client.request({ method: 'anvil_setNextBlockBaseFeePerGas' as never, params: ['0x3b9aca00'] as never });
    await client.request({ method: 'evm_mine' as never });
    const tip = BigInt(await client.request({ method: 'eth_maxPriorityFeePerGas' }));
    const intent: TransferIntent = {
      transferId: 't-caps',
      chain: 'anvil',
      from: { address: from.address, publicKey: from.publicKey },
      to: to.address,
      token: await adapter.resolveToken('NATIVE'),
      rawAmount: '1000',
    };

    // Network cap below base fee + tip: refused.
    const tight = createEvmAdapter({
      ...network,
      feeCaps: { maxFeePerGasWei: '1000', maxPriorityFeePerGasWei: '1000' },
    });
    const refused = await tight.preflight(intent);
    expect(refused.errors).toEqual([{ id: 'fee_cap_exceeded', message: expect.stringContaining('network cap') }]);

    // A tip cap under the node's suggestion lowers the tip.
    const lowTip = createEvmAdapter({ ...network, feeCaps: { maxPriorityFeePerGasWei: (tip / 2n).toString() } });
    expect((await lowTip.preflight(intent)).context.maxPriorityFeePerGas).toBe((tip / 2n).toString());

    // maxFee of 1 wei: refused before anything is signed.
    const tiny = await adapter.preflight({ ...intent, maxFee: '1' });
    expect(tiny.errors).toEqual([{ id: 'fee_cap_exceeded', message: expect.stringContaining('maxFee') }]);

    // A maxFee between what inclusion needs and our usual headroom: maxFeePerGas is lowered to maxFee / gas, and it lands.
    const maxFee = 21_000n * (1_000_000_000n + tip) + 5_000n;
    const capped = { ...intent, maxFee: maxFee.toString() };
    const pre = await adapter.preflight(capped);
    expect(pre.errors).toEqual([]);
    expect(BigInt(pre.fee)).toBeLessThanOrEqual(maxFee);
    expect(pre.context.maxFeePerGas).toBe((maxFee / 21_000n).toString());
    const { signed } = await sendThrough(capped, from.sk);
    expect(await waitForFinal(signed.hash)).toMatchObject({ state: 'included', final: true });
    const receipt = await client.getTransactionReceipt({ hash: signed.hash as Hex });
    expect(receipt.gasUsed * receipt.effectiveGasPrice).toBeLessThanOrEqual(maxFee);
  });

  it('treats an unreachable RPC as retryable rpc_failed', async () => {
    const dead = createEvmAdapter({ ...network, rpcUrl: 'http://127.0.0.1:1' });
    await expect(dead.getStatus(`0x${'11'.repeat(32)}`, { details: {} })).rejects.toMatchObject({
      id: 'rpc_failed',
      kind: 'retryable',
    });
  });
});
