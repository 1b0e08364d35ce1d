/**
 * Address derivation, raw_data serialization and signature format, each checked against tronweb's own code.
 */
import { TronWeb, utils as tronUtils } from 'tronweb';
import { describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey } from '../../signer/local-key.js';
import type { PreflightResult, TransferIntent } from '../types.js';
import {
  decodeTronAddress,
  tronAddressFromHex,
  tronAddressFromPublicKey,
  tronAddressToHex,
  validateTronAddress,
} from './address.js';
import { assembleTronTransfer, tronSignatureHex } from './assemble.js';
import { buildTronTransfer, refBlockBytes, refBlockHash, type TronTxJson } from './build.js';
import { rawDataHex } from './protobuf.js';

const tw = new TronWeb({ fullHost: 'http://127.0.0.1:9' });

describe('tron addresses', () => {
  it('derives the same address as tronweb from the compressed public key', () => {
    for (let i = 0; i < 20; i++) {
      const sk = generatePrivateKey('secp256k1');
      const fromTronweb = TronWeb.address.fromPrivateKey(sk) as string;
      expect(tronAddressFromPublicKey(publicKeyOf('secp256k1', sk))).toBe(fromTronweb);
      expect(tronAddressToHex(fromTronweb)).toBe((TronWeb.address.toHex(fromTronweb) as string).toLowerCase());
      expect(tronAddressFromHex(TronWeb.address.toHex(fromTronweb) as string)).toBe(fromTronweb);
    }
  });

  it('validates base58check T-addresses', () => {
    expect(validateTronAddress('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')).toBe(true);
    expect(validateTronAddress('TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf')).toBe(true);
    // one character changed → checksum fails
    expect(validateTronAddress('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u')).toBe(false);
    expect(validateTronAddress('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6')).toBe(false);
    expect(validateTronAddress('0xdAC17F958D2ee523a2206206994597C13D831ec7')).toBe(false);
    expect(validateTronAddress('41a614f803b6fd780986a42c78ec9c7f77e6ded13c')).toBe(false);
    expect(validateTronAddress('')).toBe(false);
    // valid base58check but a Bitcoin (0x00) prefix, not Tron's 0x41
    expect(validateTronAddress('1BoatSLRHtKNngkdXEeobR76b53LETtpyT')).toBe(false);
    expect(decodeTronAddress('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')?.length).toBe(21);
    for (const a of ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u', 'Tfoo']) {
      expect(validateTronAddress(a)).toBe(TronWeb.isAddress(a));
    }
  });
});

function intentFor(sk: string, token: TransferIntent['token'], rawAmount: string, memo?: string): TransferIntent {
  const publicKey = publicKeyOf('secp256k1', sk);
  return {
    transferId: 't1',
    chain: 'tron-local',
    from: { address: tronAddressFromPublicKey(publicKey), publicKey },
    to: 'TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf',
    token,
    rawAmount,
    ...(memo ? { memo } : {}),
  };
}

const blockId = `${(123_456).toString(16).padStart(16, '0')}${'ab12'.repeat(12)}`;
const preflight = (kind: 'native' | 'trc20'): PreflightResult => ({
  errors: [],
  warnings: [],
  fee: '0',
  totalSpent: '0',
  context: {
    kind,
    refBlockNumber: 123_456,
    refBlockId: blockId,
    refBlockTimestamp: 1_700_000_000_000,
    expiration: 1_700_000_060_000,
    ...(kind === 'trc20' ? { feeLimit: 100_000_000 } : {}),
  },
});

describe('tron raw_data serialization', () => {
  it('matches tronweb for a TRX transfer, with and without memo, and is deterministic', async () => {
    const sk = generatePrivateKey('secp256k1');
    for (const memo of [undefined, 'invoice 42 ✓']) {
      const intent = intentFor(sk, { kind: 'native', symbol: 'TRX', decimals: 6 }, '1234567', memo);
      const a = buildTronTransfer(intent, preflight('native'));
      const b = buildTronTransfer(intent, preflight('native'));
      expect(a).toEqual(b);
      const tx = JSON.parse(a.unsigned) as TronTxJson;
      const pbHex = tronUtils.transaction.txPbToRawDataHex(tronUtils.transaction.txJsonToPb(tx)).toLowerCase();
      expect(tx.raw_data_hex).toBe(pbHex);
      expect(tronUtils.transaction.txCheck(tx)).toBe(true);
      expect(tx.raw_data.ref_block_bytes).toBe(refBlockBytes(123_456));
      expect(tx.raw_data.ref_block_hash).toBe(refBlockHash(blockId));
      expect(a.payloads).toEqual([{ curve: 'secp256k1', payload: tx.txID }]);
    }
    // tronweb's own builder, given the same header, produces the same bytes and txID
    const intent = intentFor(sk, { kind: 'native', symbol: 'TRX', decimals: 6 }, '1234567');
    const ours = JSON.parse(buildTronTransfer(intent, preflight('native')).unsigned) as TronTxJson;
    const theirs = await tw.transactionBuilder.sendTrx(intent.to, 1234567, intent.from.address, {
      blockHeader: { ...ours.raw_data },
    } as never);
    expect(theirs.raw_data_hex).toBe(ours.raw_data_hex);
    expect(theirs.txID).toBe(ours.txID);
  });

  it('matches tronweb for a TRC-20 transfer with fee_limit and a 2^128 amount', async () => {
    const sk = generatePrivateKey('secp256k1');
    const amount = (1n << 128n).toString();
    const token = { kind: 'token' as const, address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', decimals: 6 };
    const intent = intentFor(sk, token, amount);
    const ours = JSON.parse(buildTronTransfer(intent, preflight('trc20')).unsigned) as TronTxJson;
    expect(ours.raw_data.fee_limit).toBe(100_000_000);
    expect(tronUtils.transaction.txCheck(ours)).toBe(true);
    const { transaction } = await tw.transactionBuilder.triggerSmartContract(
      token.address,
      'transfer(address,uint256)',
      { txLocal: true, feeLimit: 100_000_000, blockHeader: { ...ours.raw_data } } as never,
      [
        { type: 'address', value: intent.to },
        { type: 'uint256', value: amount },
      ],
      intent.from.address,
    );
    expect(transaction.raw_data_hex).toBe(ours.raw_data_hex);
    expect(transaction.txID).toBe(ours.txID);
    expect(rawDataHex(ours.raw_data)).toBe(ours.raw_data_hex);
  });
});

describe('tron signature format', () => {
  it('assembles r||s||v exactly as tronweb signs, and tronweb recovers the sender', async () => {
    const sk = generatePrivateKey('secp256k1');
    const intent = intentFor(sk, { kind: 'native', symbol: 'TRX', decimals: 6 }, '5000000');
    const unsigned = buildTronTransfer(intent, preflight('native'));
    const sig = signWithPrivateKey('secp256k1', sk, unsigned.payloads[0]!.payload);
    const signed = assembleTronTransfer(unsigned, [sig]);
    const ours = JSON.parse(signed.raw) as TronTxJson;
    expect(signed.hash).toBe(ours.txID);

    const byTronweb = await tw.trx.sign(JSON.parse(unsigned.unsigned), sk);
    // RFC 6979 deterministic nonces on both sides → identical signatures, v = recovery + 27
    expect(ours.signature?.[0]?.toLowerCase()).toBe(byTronweb.signature[0]!.toLowerCase());
    expect(tronSignatureHex(sig).slice(128)).toBe(sig.recovery === 0 ? '1b' : '1c');
    expect(tw.trx.ecRecover(ours as never)).toBe(intent.from.address);
  });

  it('refuses a signature from another key, and a tampered unsigned tx', () => {
    const sk = generatePrivateKey('secp256k1');
    const intent = intentFor(sk, { kind: 'native', symbol: 'TRX', decimals: 6 }, '5000000');
    const unsigned = buildTronTransfer(intent, preflight('native'));
    const other = signWithPrivateKey('secp256k1', generatePrivateKey('secp256k1'), unsigned.payloads[0]!.payload);
    expect(() => assembleTronTransfer(unsigned, [other])).toThrowError(/not made by the sending address/);

    const tx = JSON.parse(unsigned.unsigned) as TronTxJson;
    const first = tx.raw_data.contract[0]!;
    if (first.type === 'TransferContract') first.parameter.value.amount = 9_000_000;
    const tampered = { ...unsigned, unsigned: JSON.stringify(tx) };
    const sig = signWithPrivateKey('secp256k1', sk, unsigned.payloads[0]!.payload);
    expect(() => assembleTronTransfer(tampered, [sig])).toThrowError(/does not match its txID/);
  });
});
