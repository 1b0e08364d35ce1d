/**
 * The TRON TEST PEER driven by tronweb 6.5 with plain private keys: it must accept what tronweb builds and
 * signs (so peer and tronweb agree on raw_data, txID and signature format) and reject what a node rejects.
 */
import { TronWeb, utils } from 'tronweb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../../signer/local-key.js';
import { fromHexAddress, recoverTronSigner } from './chain.js';
import { startTronTestPeer, TEST_USDT_ADDRESS, type TronTestPeer } from './index.js';

let peer: TronTestPeer;
let tw: TronWeb;

beforeAll(async () => {
  peer = await startTronTestPeer({ blockMs: 200, solidifyDepth: 2 });
  tw = new TronWeb({ fullHost: peer.fullNodeUrl });
});
afterAll(async () => {
  await peer?.stop();
});

const fromHexMsg = (m: string | undefined) => Buffer.from(m ?? '', 'hex').toString('utf8');

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('tron test peer with tronweb', () => {
  it('accepts a tronweb-signed sendTrx, agrees with trx.ecRecover, charges fees and solidifies', async () => {
    const sk = generatePrivateKey('secp256k1');
    const from = TronWeb.address.fromPrivateKey(sk) as string;
    const to = TronWeb.address.fromPrivateKey(generatePrivateKey('secp256k1')) as string;
    peer.fund(from, 50_000_000n);
    expect(await tw.trx.getBalance(from)).toBe(50_000_000);

    const unsigned = await tw.transactionBuilder.sendTrx(to, 3_000_000, from); // local build, calls /wallet/getblock
    const signed = await tw.trx.sign(unsigned, sk);
    expect(tw.trx.ecRecover(signed)).toBe(from);
    // the peer's own recovery (noble) agrees with tronweb's
    expect(fromHexAddress(recoverTronSigner(signed.txID, signed.signature[0]!))).toBe(tw.trx.ecRecover(signed));

    const res = await tw.trx.sendRawTransaction(signed);
    expect(res.result).toBe(true);
    expect(res.txid).toBe(signed.txID);

    const info = await waitUntil('inclusion', async () => {
      const i = await tw.trx.getUnconfirmedTransactionInfo(signed.txID);
      return i.id ? i : null;
    });
    // new account: 1 TRX system fee + 0.1 TRX create-account bandwidth
    expect(info.fee).toBe(1_100_000);
    expect(await tw.trx.getUnconfirmedBalance(from)).toBe(50_000_000 - 3_000_000 - 1_100_000);
    expect(await tw.trx.getUnconfirmedBalance(to)).toBe(3_000_000);

    // the solidity view (tronweb's getTransactionInfo / getAccount) only sees it `solidifyDepth` blocks later
    const solid = await waitUntil('solidification', async () => {
      const solidBefore = peer.chain.solidHead().number;
      const i = await tw.trx.getTransactionInfo(signed.txID);
      if (solidBefore >= info.blockNumber) expect(i.id).toBe(signed.txID);
      if (i.id) expect(peer.chain.solidHead().number).toBeGreaterThanOrEqual(info.blockNumber);
      return i.id ? i : null;
    });
    expect(solid.blockNumber).toBe(info.blockNumber);
    expect(await tw.trx.getBalance(to)).toBe(3_000_000);
    expect(await tw.trx.getBalance(from)).toBe(50_000_000 - 3_000_000 - 1_100_000);

    // resend → duplicate
    const again = await tw.trx.sendRawTransaction(signed);
    expect(again.code).toBe('DUP_TRANSACTION_ERROR');
  });

  it('rejects a tampered signature (SIGERROR) and a foreign signer, with hex-encoded messages', async () => {
    const sk = generatePrivateKey('secp256k1');
    const from = TronWeb.address.fromPrivateKey(sk) as string;
    peer.fund(from, 10_000_000n);
    const to = TronWeb.address.fromPrivateKey(generatePrivateKey('secp256k1')) as string;

    const signed = await tw.trx.sign(await tw.transactionBuilder.sendTrx(to, 1_000_000, from), sk);
    const sig = signed.signature[0]!;
    const flipped = (sig.slice(0, 10) + (sig[10] === '0' ? '1' : '0') + sig.slice(11)) as string;
    const bad = await tw.trx.sendRawTransaction({ ...signed, signature: [flipped] });
    expect(bad.code).toBe('SIGERROR');
    expect(fromHexMsg(bad.message)).toMatch(/Validate signature error/);

    // trx.sign refuses a key that does not own the tx; the low-level signer does not
    const foreign = utils.crypto.signTransaction(
      generatePrivateKey('secp256k1'),
      await tw.transactionBuilder.sendTrx(to, 1_000_000, from),
    );
    const res = await tw.trx.sendRawTransaction(foreign);
    expect(res.code).toBe('SIGERROR');
    expect(fromHexMsg(res.message)).toMatch(/is signed by T\w+ but it is not contained of permission/);
  });

  it('enforces TaPoS, expiration and balance', async () => {
    const sk = generatePrivateKey('secp256k1');
    const from = TronWeb.address.fromPrivateKey(sk) as string;
    peer.fund(from, 2_000_000n);
    const to = TronWeb.address.fromPrivateKey(generatePrivateKey('secp256k1')) as string;
    peer.fund(to, 1n);
    const head = peer.chain.head();
    const header = {
      ref_block_bytes: (head.number & 0xffff).toString(16).padStart(4, '0'),
      ref_block_hash: head.id.slice(16, 32),
      expiration: head.timestamp + 60_000,
      timestamp: head.timestamp,
    };
    const send = async (amount: number, blockHeader: typeof header) =>
      tw.trx.sendRawTransaction(
        await tw.trx.sign(await tw.transactionBuilder.sendTrx(to, amount, from, { blockHeader } as never), sk),
      );

    expect((await send(1_000, { ...header, ref_block_hash: 'ffffffffffffffff' })).code).toBe('TAPOS_ERROR');
    expect((await send(1_000, { ...header, ref_block_bytes: 'ffff' })).code).toBe('TAPOS_ERROR');
    const expired = await send(1_000, { ...header, expiration: head.timestamp });
    expect(expired.code).toBe('TRANSACTION_EXPIRATION_ERROR');
    const poor = await send(5_000_000, header);
    expect(poor.code).toBe('CONTRACT_VALIDATE_ERROR');
    expect(fromHexMsg(poor.message)).toBe('Validate TransferContract error, balance is not sufficient.');
    expect((await send(1_000, header)).result).toBe(true);
  });

  it('runs a TRC-20 transfer built by the node (triggersmartcontract) and reads balanceOf', async () => {
    const sk = generatePrivateKey('secp256k1');
    const from = TronWeb.address.fromPrivateKey(sk) as string;
    const to = TronWeb.address.fromPrivateKey(generatePrivateKey('secp256k1')) as string;
    peer.fund(from, 100_000_000n);
    peer.mint(TEST_USDT_ADDRESS, from, 5_000_000n);

    const { transaction } = await tw.transactionBuilder.triggerSmartContract(
      TEST_USDT_ADDRESS,
      'transfer(address,uint256)',
      { feeLimit: 50_000_000 },
      [
        { type: 'address', value: to },
        { type: 'uint256', value: 1_250_000 },
      ],
      from,
    );
    const res = await tw.trx.sendRawTransaction(await tw.trx.sign(transaction, sk));
    expect(res.result).toBe(true);
    const info = await waitUntil('inclusion', async () => {
      const i = await tw.trx.getUnconfirmedTransactionInfo(transaction.txID);
      return i.id ? i : null;
    });
    expect(info.receipt.result).toBe('SUCCESS');
    expect(peer.trc20BalanceOf(TEST_USDT_ADDRESS, to)).toBe(1_250_000n);

    const constant = await tw.transactionBuilder.triggerConstantContract(
      TEST_USDT_ADDRESS,
      'balanceOf(address)',
      {},
      [{ type: 'address', value: from }],
      from,
    );
    expect(BigInt(`0x${constant.constant_result[0]}`)).toBe(3_750_000n);
    expect(await tw.trx.getUnconfirmedBalance(from)).toBe(100_000_000 - info.fee!);

    // more than the balance: included, reverted, energy fee still charged
    const { transaction: tooMuch } = await tw.transactionBuilder.triggerSmartContract(
      TEST_USDT_ADDRESS,
      'transfer(address,uint256)',
      { feeLimit: 50_000_000 },
      [
        { type: 'address', value: to },
        { type: 'uint256', value: 9_000_000 },
      ],
      from,
    );
    expect((await tw.trx.sendRawTransaction(await tw.trx.sign(tooMuch, sk))).result).toBe(true);
    const failed = await waitUntil('inclusion', async () => {
      const i = await tw.trx.getUnconfirmedTransactionInfo(tooMuch.txID);
      return i.id ? i : null;
    });
    expect(failed.receipt.result).toBe('REVERT');
    expect(failed.result).toBe('FAILED');
    expect(failed.fee).toBeGreaterThan(0);
  });
});
