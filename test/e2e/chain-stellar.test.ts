import { Account, MuxedAccount, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import { expect, it } from 'vitest';
import { LOCAL_USDC_ISSUER, type StellarTestPeer } from '../peers/stellar/index.js';
import { stellarCase } from '../support/chain-cases.js';
import { describeChainE2E } from '../support/chain-e2e.js';
import { waitForTransfer } from '../support/stack.js';

describeChainE2E(stellarCase, (ctx) => {
  it('pays USDC (credit asset by symbol) between trusting accounts to finalized', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as StellarTestPeer;
    const usdc = `USDC:${LOCAL_USDC_ISSUER.publicKey()}`;
    const wallet = await ctx().fundedWallet('usdc');
    peer.trust(wallet.address, usdc);
    peer.pay(wallet.address, usdc, '100');
    const to = ctx().randomRecipient();
    peer.fund(to, 5);
    peer.trust(to, usdc);
    const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'stellar-local',
      to,
      token: 'USDC',
      amount: '12.5',
      walletId: wallet.walletId,
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const final = await waitForTransfer<{ status: string }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(Number(peer.balance(to, usdc))).toBe(12.5);
    expect(Number(peer.balance(wallet.address, usdc))).toBe(87.5);
  });

  it('creates the destination account when it does not exist yet', async () => {
    const { stack, chain } = ctx();
    const wallet = await ctx().fundedWallet('create');
    const to = ctx().randomRecipient();
    expect(await chain.balance(to)).toBe(0n);
    const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'stellar-local',
      to,
      token: 'NATIVE',
      amount: '3',
      walletId: wallet.walletId,
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect((await waitForTransfer<{ status: string }>(stack, sent.body.transferId)).status).toBe('finalized');
    expect(await chain.balance(to)).toBe(30_000_000n);
  });

  it('pays a muxed M… address with a MEMO_ID through the API: the base account is credited, id and memo on chain', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as StellarTestPeer;
    const wallet = await ctx().fundedWallet('muxed');
    const exchange = ctx().randomRecipient();
    peer.fund(exchange, 5);
    const muxed = new MuxedAccount(new Account(exchange, '0'), '99').accountId();
    const send = (body: Record<string, unknown>) =>
      stack.call<{ transferId: string; id?: string }>('POST', '/v1/assets/send', {
        chain: 'stellar-local',
        to: muxed,
        token: 'NATIVE',
        amount: '2',
        walletId: wallet.walletId,
        ...body,
      });
    const refused = await send({ metadataStr: 'not-a-number', memoType: 'id' });
    expect([refused.status, refused.body.id]).toEqual([400, 'bad_memo']);
    const sent = await send({ metadataStr: '1234567890123', memoType: 'id' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const final = await waitForTransfer<{ status: string; transactionHash: string }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(await chain.balance(exchange)).toBe(70_000_000n);
    const tx = (await (await fetch(`${peer.horizonUrl}/transactions/${final.transactionHash}`)).json()) as {
      memo_type: string;
      memo: string;
      envelope_xdr: string;
    };
    expect([tx.memo_type, tx.memo]).toEqual(['id', '1234567890123']);
    const op = (TransactionBuilder.fromXDR(tx.envelope_xdr, peer.passphrase) as Transaction).operations[0] as {
      destination: string;
    };
    expect(op.destination).toBe(muxed);
  });

  it('stellar-testnet pointed at the local peer (another network): rpc_chain_mismatch before signing, recorded failed', async () => {
    const { stack } = ctx();
    const wallet = await ctx().fundedWallet('wrong-node');
    const sent = await stack.call<{ id: string; message: string }>('POST', '/v1/assets/send', {
      chain: 'stellar-testnet',
      to: ctx().randomRecipient(),
      token: 'NATIVE',
      amount: '1',
      walletId: wallet.walletId,
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(502);
    expect(sent.body).toEqual({ id: 'rpc_chain_mismatch', message: expect.stringContaining('network passphrase') });
    const rows = await stack.runtime.prisma.transfer.findMany({ where: { walletId: wallet.walletId } });
    expect(rows.map((r) => [r.status, r.transactionHash])).toEqual([['failed', null]]);
    expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: rows[0]!.id } })).toBe(0);
  });
});
