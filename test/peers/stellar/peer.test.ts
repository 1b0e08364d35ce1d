/** The test peer against the real SDK client: what Horizon.Server needs must work as on Horizon. */
import { Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StellarTestPeer, startStellarTestPeer } from './index.js';

let peer: StellarTestPeer;
let server: Horizon.Server;

beforeAll(async () => {
  peer = await startStellarTestPeer({ ledgerMs: 150 });
  server = new Horizon.Server(peer.horizonUrl, { allowHttp: true });
});
afterAll(async () => {
  await peer?.stop();
});

function errorData(err: unknown): {
  status?: number;
  extras?: { result_codes?: { transaction: string; operations?: string[] } };
} {
  const e = err as { response?: { data?: unknown; status?: number } };
  return (e.response?.data ?? e.response) as never;
}

describe('stellar horizon test peer with @stellar/stellar-sdk', () => {
  it('serves root, fee stats, ledgers and accounts in Horizon shape', async () => {
    const root = await server.root();
    expect(root.network_passphrase).toBe(peer.passphrase);
    expect(await server.fetchBaseFee()).toBe(100);
    const page = await server.ledgers().order('desc').limit(1).call();
    expect(page.records[0]?.base_reserve_in_stroops).toBe(5_000_000);

    const kp = Keypair.random();
    await expect(server.loadAccount(kp.publicKey())).rejects.toThrow();
    peer.fund(kp.publicKey(), 25);
    const acc = await server.loadAccount(kp.publicKey());
    expect(acc.accountId()).toBe(kp.publicKey());
    expect(BigInt(acc.sequenceNumber()) % (1n << 32n)).toBe(0n);
    expect(acc.balances.find((b) => b.asset_type === 'native')?.balance).toBe('25.0000000');
    expect(acc.data_attr).toEqual({});
    expect(acc.thresholds.med_threshold).toBe(0);
  });

  it('applies a signed payment at ledger close and the SDK parses the result', async () => {
    const a = Keypair.random();
    const b = Keypair.random();
    peer.fund(a.publicKey(), 100);
    peer.fund(b.publicKey(), 10);
    const acc = await server.loadAccount(a.publicKey());
    const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: peer.passphrase })
      .addOperation(Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '12.5' }))
      .setTimeout(60)
      .build();
    tx.sign(a);
    const res = await server.submitTransaction(tx);
    expect(res.hash).toBe(tx.hash().toString('hex'));
    expect(res.successful).toBe(true);
    const found = await server.transactions().transaction(res.hash).call();
    expect(found.ledger_attr).toBeGreaterThan(1);
    expect(peer.balance(a.publicKey())).toBe('87.4999900');
    expect(peer.balance(b.publicKey())).toBe('22.5000000');

    // Resubmitting the applied transaction returns the same result.
    const again = await server.submitTransaction(tx);
    expect(again.hash).toBe(res.hash);
    expect(peer.balance(b.publicKey())).toBe('22.5000000');
  });

  it('rejects a bad sequence with tx_bad_seq and Horizon problem shape', async () => {
    const a = Keypair.random();
    peer.fund(a.publicKey(), 100);
    const acc = await server.loadAccount(a.publicKey());
    acc.incrementSequenceNumber(); // skip one: seq + 2
    const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: peer.passphrase })
      .addOperation(Operation.payment({ destination: a.publicKey(), asset: Asset.native(), amount: '1' }))
      .setTimeout(60)
      .build();
    tx.sign(a);
    const err = await server.submitTransaction(tx).catch((e: unknown) => e);
    const data = errorData(err);
    expect(data.status).toBe(400);
    expect(data.extras?.result_codes?.transaction).toBe('tx_bad_seq');
  });

  it('change_trust, credit payment, op_no_trust as an included failed transaction', async () => {
    const usd = peer.createAsset('USD');
    const holder = Keypair.random();
    const other = Keypair.random();
    peer.fund(holder.publicKey(), 50);
    peer.fund(other.publicKey(), 50);
    peer.trust(holder.publicKey(), usd);
    peer.pay(holder.publicKey(), usd, 40);

    // other trusts via a real change_trust transaction
    const acc = await server.loadAccount(other.publicKey());
    const trust = new TransactionBuilder(acc, { fee: '100', networkPassphrase: peer.passphrase })
      .addOperation(Operation.changeTrust({ asset: new Asset('USD', usd.issuer) }))
      .setTimeout(60)
      .build();
    trust.sign(other);
    await server.submitTransaction(trust);
    expect((await server.loadAccount(other.publicKey())).subentry_count).toBe(1);

    const third = Keypair.random();
    peer.fund(third.publicKey(), 5);
    const h = await server.loadAccount(holder.publicKey());
    const bad = new TransactionBuilder(h, { fee: '100', networkPassphrase: peer.passphrase })
      .addOperation(
        Operation.payment({ destination: third.publicKey(), asset: new Asset('USD', usd.issuer), amount: '1' }),
      )
      .setTimeout(60)
      .build();
    bad.sign(holder);
    const data = errorData(await server.submitTransaction(bad).catch((e: unknown) => e));
    expect(data.extras?.result_codes).toEqual({ transaction: 'tx_failed', operations: ['op_no_trust'] });
    const rec = await server.transactions().transaction(bad.hash().toString('hex')).call();
    expect(rec.successful).toBe(false);
    // fee and sequence consumed, balances untouched
    expect(peer.account(holder.publicKey())?.seq.toString()).toBe(bad.sequence);
    expect(peer.balance(holder.publicKey(), usd)).toBe('40.0000000');
  });

  it('friendbot creates an account through a real transaction', async () => {
    const kp = Keypair.random();
    const res = (await server.friendbot(kp.publicKey()).call()) as unknown as { hash: string; successful: boolean };
    expect(res.successful).toBe(true);
    expect(peer.balance(kp.publicKey())).toBe('10000.0000000');
  });

  it('holds submissions until the ledger closes (manual ledgers)', async () => {
    const manual = await startStellarTestPeer({ ledgerMs: 0 });
    try {
      const s = new Horizon.Server(manual.horizonUrl, { allowHttp: true });
      const a = Keypair.random();
      manual.fund(a.publicKey(), 10);
      const tx = new TransactionBuilder(await s.loadAccount(a.publicKey()), {
        fee: '100',
        networkPassphrase: manual.passphrase,
      })
        .addOperation(Operation.payment({ destination: a.publicKey(), asset: Asset.native(), amount: '1' }))
        .setTimeout(60)
        .build();
      tx.sign(a);
      const submitted = s.submitTransaction(tx);
      await new Promise((r) => setTimeout(r, 100));
      expect(manual.pendingCount()).toBe(1);
      await expect(s.transactions().transaction(tx.hash().toString('hex')).call()).rejects.toThrow();
      manual.closeLedger();
      expect((await submitted).successful).toBe(true);
    } finally {
      await manual.stop();
    }
  });
});
