/**
 * Portal's `*_sendTransaction` methods end to end with a client-held MPC wallet: `eth_sendTransaction` with
 * calldata (an ERC-20 `approve` on anvil) and `sol_signAndSendTransaction` (a caller-built transaction on the
 * Solana TEST PEER) both go through the transfer workflow: signed once, stored before broadcast, tracked to
 * `finalized`, idempotent per Idempotency-Key; calls that would revert or can never land are refused before
 * anything is signed.
 */
import {
  Keypair,
  PublicKey,
  SystemProgram,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import { encodeFunctionData, erc20Abi, getAddress, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { base58Decode } from '../../chains/shared/base58.js';
import { MEMO_PROGRAM_ID } from '../../chains/solana/build.js';
import { type SolanaTestPeer, startSolanaTestPeer } from '../peers/solana-rpc.js';
import { deployTestToken } from '../support/erc20.js';
import { type PortalStack, startPortalStack, waitForFinal } from './portal-stack.js';

const rpcUrl = process.env.RPC_URL_ANVIL!;
const evm = createEvmClient(rpcUrl);
const SOL = 1_000_000_000;

type Shares = { SECP256K1: { share: string; id: string }; ED25519: { share: string; id: string } };
interface Client {
  id: string;
  token: string;
  shares: Shares;
  wallet: { walletId: string; address: string; addresses: Record<string, string> };
}

let peer: SolanaTestPeer;
let stack: PortalStack;
let alice: Client;
let solAddress: string;
let solChainId: string;

interface SendAnswer {
  data: string;
  transferId: string;
  status: string;
  id?: string;
  message?: string;
}

const send = (method: string, params: unknown[], share: string, chainId: string, key?: string) =>
  stack.call<SendAnswer>(
    alice.token,
    'POST',
    '/v1/sign',
    { method, params: JSON.stringify(params), share, chainId },
    key ? { 'Idempotency-Key': key } : {},
  );
const ethSend = (tx: Record<string, unknown>, key?: string) =>
  send('eth_sendTransaction', [tx], alice.shares.SECP256K1.share, 'eip155:31337', key);
const solSend = (tx: VersionedTransaction, key?: string) =>
  send(
    'sol_signAndSendTransaction',
    [Buffer.from(tx.serialize()).toString('base64')],
    alice.shares.ED25519.share,
    solChainId,
    key,
  );

const transfersOfAlice = () => stack.runtime.prisma.transfer.count({ where: { walletId: alice.wallet.walletId } });
const attemptsOf = (transferId: string) => stack.runtime.prisma.transferAttempt.count({ where: { transferId } });

/** What a dapp hands the wallet: its own instructions, a recent blockhash, the wallet as fee payer. */
async function dappTransaction(instructions: TransactionInstruction[], payer = solAddress) {
  return new VersionedTransaction(
    new TransactionMessage({
      payerKey: new PublicKey(payer),
      recentBlockhash: peer.latestBlockhash(),
      instructions,
    }).compileToV0Message(),
  );
}

/** A Portal client of the stack's tenant with its confirmed client-held wallet (its own credential). */
async function newClient(): Promise<Client> {
  const c = await stack.call<{ id: string; clientSessionToken: string }>(
    stack.apiKey,
    'POST',
    '/api/v1/custodians/clients',
    {},
  );
  const token = c.body.clientSessionToken;
  const gen = await stack.call<Shares>(token, 'POST', '/v1/generate', {});
  expect(gen.status).toBe(200);
  const confirmed = await stack.call(token, 'PATCH', '/api/v3/clients/me/signing-share-pairs', {
    status: 'STORED_CLIENT',
    signingSharePairIds: [gen.body.SECP256K1.id, gen.body.ED25519.id],
  });
  expect(confirmed.status).toBe(204);
  const info = await stack.call<{ wallet: Client['wallet'] }>(
    stack.apiKey,
    'GET',
    `/api/v1/custodians/clients/${c.body.id}`,
  );
  return { id: c.body.id, token, shares: gen.body, wallet: info.body.wallet };
}

beforeAll(async () => {
  peer = await startSolanaTestPeer({ slotMs: 100, finalityDepth: 8, blockhashValidity: 40 });
  const chains = new ChainRegistry(loadNetworks({ ...process.env, RPC_URL_SOLANA_LOCAL: peer.rpcUrl }));
  stack = await startPortalStack({ chains });
  alice = await newClient();
  solAddress = alice.wallet.addresses['solana-local']!;
  solChainId = stack.runtime.chains.get('solana-local').network.caip2;
  const funded = await stack.call(stack.apiKey, 'POST', '/v1/dev/faucet', {
    chain: 'anvil',
    address: alice.wallet.address,
    amount: '1',
  });
  expect(funded.status).toBe(200);
  peer.airdrop(solAddress, 2 * SOL);
});

afterAll(async () => {
  await stack?.close();
  await peer?.stop();
});

describe('Idempotency-Key per client credential', () => {
  it('two clients of one tenant with the same key get two transfers; each resend gets its own back', async () => {
    const bob = await newClient();
    const funded = await stack.call(stack.apiKey, 'POST', '/v1/dev/faucet', {
      chain: 'anvil',
      address: bob.wallet.address,
      amount: '1',
    });
    expect(funded.status).toBe(200);
    const to = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
    const pay = (c: Client) =>
      stack.call<SendAnswer>(
        c.token,
        'POST',
        '/v1/sign',
        {
          method: 'eth_sendTransaction',
          params: JSON.stringify([{ to, value: '0x2' }]),
          share: c.shares.SECP256K1.share,
          chainId: 'eip155:31337',
        },
        { 'Idempotency-Key': 'same-key-1' },
      );

    const a = await pay(alice);
    const b = await pay(bob);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.status, JSON.stringify(b.body)).toBe(200); // not 409: bob's keys are not alice's
    expect(b.body.transferId).not.toBe(a.body.transferId);
    expect(b.body.data).not.toBe(a.body.data);

    const [a2, b2] = [await pay(alice), await pay(bob)];
    expect(a2.body).toMatchObject({ transferId: a.body.transferId, data: a.body.data });
    expect(b2.body).toMatchObject({ transferId: b.body.transferId, data: b.body.data });
    // Neither client sees the other's transfer.
    const peek = await stack.call<{ id: string }>(alice.token, 'GET', `/v1/transfers/${b.body.transferId}`);
    expect(peek.status).toBe(404);

    const rows = await stack.runtime.prisma.transfer.findMany({
      where: { id: { in: [a.body.transferId, b.body.transferId] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(rows.map((r) => [r.idempotencyKey, r.idempotencyScope])).toEqual([
      ['same-key-1', `client:${alice.id}`],
      ['same-key-1', `client:${bob.id}`],
    ]);
    for (const [c, r] of [
      [alice, a],
      [bob, b],
    ] as const) {
      expect((await waitForFinal(stack, c.token, r.body.transferId)).status).toBe('finalized');
      expect(await attemptsOf(r.body.transferId)).toBe(1);
      const receipt = await evm.getTransactionReceipt({ hash: r.body.data as Hex });
      expect(receipt.from.toLowerCase()).toBe(c.wallet.address.toLowerCase());
    }
    expect(await evm.getBalance({ address: to })).toBe(4n); // each paid once
  });
});

describe('eth_sendTransaction with calldata', () => {
  it('sends an ERC-20 approve through the workflow to finalized; the allowance is set on chain; a resend is the same transfer', async () => {
    const tokenAddress = await deployTestToken(rpcUrl, 6);
    const spender = '0x000000000000000000000000000000000000dEaD' as const;
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, 1_234_567n] });
    const tx = { from: alice.wallet.address, to: tokenAddress, data };
    const res = await ethSend(tx, 'approve-1');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await waitForFinal(stack, alice.token, res.body.transferId)).status).toBe('finalized');
    const allowance = await evm.readContract({
      address: tokenAddress,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [alice.wallet.address as Hex, spender],
    });
    expect(allowance).toBe(1_234_567n);
    const receipt = await evm.getTransactionReceipt({ hash: res.body.data as Hex });
    expect(receipt.from.toLowerCase()).toBe(alice.wallet.address.toLowerCase());

    const view = await stack.call<Record<string, unknown>>(alice.token, 'GET', `/v1/transfers/${res.body.transferId}`);
    expect(view.body).toMatchObject({
      kind: 'evm_call',
      callData: data,
      to: getAddress(tokenAddress),
      token: 'NATIVE',
      amount: '0',
      status: 'finalized',
    });

    const again = await ethSend(tx, 'approve-1');
    expect(again.body).toMatchObject({ transferId: res.body.transferId, data: res.body.data });
    expect(await attemptsOf(res.body.transferId)).toBe(1);
    const conflict = await ethSend(
      { ...tx, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, 1n] }) },
      'approve-1',
    );
    expect(conflict).toMatchObject({ status: 409, body: { id: 'IDEMPOTENCY_CONFLICT' } });
  });

  it("accepts Portal's documented request shape: params as one JSON object, empty from and data", async () => {
    const to = '0xdFd8302f44727A6348F702fF7B594f127dE3A902';
    const res = await stack.call<SendAnswer>(alice.token, 'POST', '/v1/sign', {
      share: alice.shares.SECP256K1.share,
      method: 'eth_sendTransaction',
      params: JSON.stringify({ value: '0x01', from: '', to, data: '' }),
      rpcUrl: 'https://example.invalid/ignored', // accepted, not used: the server's configured RPC is
      chainId: 'eip155:31337',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await waitForFinal(stack, alice.token, res.body.transferId)).status).toBe('finalized');
    const view = await stack.call<Record<string, unknown>>(alice.token, 'GET', `/v1/transfers/${res.body.transferId}`);
    expect(view.body).toMatchObject({ kind: 'transfer', rawAmount: '1', to, token: 'NATIVE' });
  });

  it('refuses a call that would revert before signing: recorded failed, nothing signed', async () => {
    const tokenAddress = await deployTestToken(rpcUrl, 6);
    // approve is not payable: sending value with it reverts.
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [tokenAddress, 1n] });
    const res = await ethSend({ to: tokenAddress, data, value: '0x1' });
    expect(res).toMatchObject({ status: 400, body: { id: 'estimate_gas_reverted' } });
    const row = await stack.runtime.prisma.transfer.findFirstOrThrow({
      where: { walletId: alice.wallet.walletId, callData: data },
    });
    expect(row).toMatchObject({ status: 'failed', errorId: 'estimate_gas_reverted', kind: 'evm_call' });
    expect(await attemptsOf(row.id)).toBe(0);
  });

  it('refuses a gas limit below the estimate and mismatched fee fields, clearly', async () => {
    const tokenAddress = await deployTestToken(rpcUrl, 6);
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [tokenAddress, 5n] });
    expect(await ethSend({ to: tokenAddress, data, gas: '0x5208' })).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST', message: expect.stringContaining('below the estimate') },
    });
    const before = await transfersOfAlice();
    expect(await ethSend({ to: tokenAddress, data, maxFeePerGas: '0x100' })).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST', message: expect.stringContaining('maxPriorityFeePerGas') },
    });
    expect(await transfersOfAlice()).toBe(before); // bad input writes nothing
  });
});

describe('eth_sendTransaction with maxFee', () => {
  const withMaxFee = (method: string, params: unknown[], maxFee: string) =>
    stack.call<SendAnswer>(alice.token, 'POST', '/v1/sign', {
      method,
      params: JSON.stringify(params),
      share: alice.shares.SECP256K1.share,
      chainId: 'eip155:31337',
      maxFee,
    });

  it('refuses a fee above maxFee before signing (recorded with its maxFee, no attempt), also against the caller fee caps', async () => {
    const tokenAddress = await deployTestToken(rpcUrl, 6);
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [tokenAddress, 9n] });
    const low = await withMaxFee('eth_sendTransaction', [{ to: tokenAddress, data }], '0.000000001');
    expect(low).toMatchObject({ status: 400, body: { id: 'fee_cap_exceeded' } });
    const row = await stack.runtime.prisma.transfer.findFirstOrThrow({
      where: { walletId: alice.wallet.walletId, callData: data },
    });
    expect(row).toMatchObject({ status: 'failed', errorId: 'fee_cap_exceeded', maxFee: '1000000000' });
    expect(await attemptsOf(row.id)).toBe(0);

    // The caller's own caps: 100000 gas × 10 gwei = 0.001 ETH, above a 0.0001 ETH maxFee.
    const data2 = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [tokenAddress, 10n] });
    const own = {
      to: tokenAddress,
      data: data2,
      gas: '0x186a0',
      maxFeePerGas: '0x2540be400',
      maxPriorityFeePerGas: '0x1',
    };
    expect(await withMaxFee('eth_sendTransaction', [own], '0.0001')).toMatchObject({
      status: 400,
      body: { id: 'fee_cap_exceeded', message: expect.stringContaining('maxFee') },
    });
  });

  it('maxFee on a sign-only method or malformed is 400 bad_max_fee, and nothing is written', async () => {
    const before = await transfersOfAlice();
    expect(await withMaxFee('personal_sign', ['hello', alice.wallet.address], '0.01')).toMatchObject({
      status: 400,
      body: { id: 'bad_max_fee' },
    });
    const tokenAddress = await deployTestToken(rpcUrl, 6);
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [tokenAddress, 11n] });
    expect(await withMaxFee('eth_sendTransaction', [{ to: tokenAddress, data }], '1e-3')).toMatchObject({
      status: 400,
      body: { id: 'bad_max_fee' },
    });
    expect(await transfersOfAlice()).toBe(before);
  });
});

describe('sol_signAndSendTransaction', () => {
  it('signs the dapp-built transaction as it is and tracks it to finalized; lamports move as its instructions say', async () => {
    const to = Keypair.generate().publicKey;
    const tx = await dappTransaction([
      SystemProgram.transfer({ fromPubkey: new PublicKey(solAddress), toPubkey: to, lamports: 0.3 * SOL }),
      new TransactionInstruction({
        programId: MEMO_PROGRAM_ID,
        keys: [{ pubkey: new PublicKey(solAddress), isSigner: true, isWritable: false }],
        data: Buffer.from('invoice 42'),
      }),
    ]);
    const res = await solSend(tx, 'sol-1');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(base58Decode(res.body.data)).toHaveLength(64); // the transaction id is the wallet's signature
    expect((await waitForFinal(stack, alice.token, res.body.transferId)).status).toBe('finalized');
    expect(peer.balance(to.toBase58())).toBe(0.3 * SOL);
    const view = await stack.call<Record<string, unknown>>(alice.token, 'GET', `/v1/transfers/${res.body.transferId}`);
    expect(view.body).toMatchObject({
      kind: 'solana_transaction',
      to: SystemProgram.programId.toBase58(),
      amount: '0.3',
      transactionHash: res.body.data,
      status: 'finalized',
    });
    // The stored, broadcast bytes carry exactly the caller's message.
    const attempt = await stack.runtime.prisma.transferAttempt.findFirstOrThrow({
      where: { transferId: res.body.transferId },
    });
    const landed = VersionedTransaction.deserialize(Buffer.from(attempt.raw, 'base64'));
    expect(Buffer.from(landed.message.serialize()).equals(Buffer.from(tx.message.serialize()))).toBe(true);

    const again = await solSend(tx, 'sol-1');
    expect(again.body).toMatchObject({ transferId: res.body.transferId, data: res.body.data });
    expect(await attemptsOf(res.body.transferId)).toBe(1);
  });

  it('refuses an expired blockhash before signing (recorded failed, nothing signed) and a transaction the wallet does not sign', async () => {
    const to = Keypair.generate().publicKey;
    const stale = await dappTransaction([
      SystemProgram.transfer({ fromPubkey: new PublicKey(solAddress), toPubkey: to, lamports: 1_000_000 }),
    ]);
    peer.expireBlockhash();
    const res = await solSend(stale);
    expect(res).toMatchObject({ status: 400, body: { id: 'blockhash_expired' } });
    const row = await stack.runtime.prisma.transfer.findFirstOrThrow({
      where: { walletId: alice.wallet.walletId, kind: 'solana_transaction', status: 'failed' },
    });
    expect(row.errorId).toBe('blockhash_expired');
    expect(await attemptsOf(row.id)).toBe(0);
    expect(peer.balance(to.toBase58())).toBe(0);

    const stranger = Keypair.generate();
    const notOurs = await dappTransaction(
      [SystemProgram.transfer({ fromPubkey: stranger.publicKey, toPubkey: to, lamports: 1 })],
      stranger.publicKey.toBase58(),
    );
    const before = await transfersOfAlice();
    expect(await solSend(notOurs)).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST', message: expect.stringContaining('not a required signer') },
    });
    expect(await transfersOfAlice()).toBe(before);
  });
});
