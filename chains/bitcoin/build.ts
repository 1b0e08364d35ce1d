/**
 * Unsigned transaction, its BIP143 signing digests, and the signed transaction.
 *
 * Version 2, locktime 0, every input nSequence 0xfffffffd (BIP125 replaceable, no relative lock).
 * Inputs are the sender's P2WPKH outputs in reservation order; outputs are the recipient, then change
 * back to the sender when it is above the dust limit. Same inputs → same bytes → same digests.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { script as bscript, Transaction } from 'bitcoinjs-lib';
import { chainError, ErrorId } from '../../errors/codes.js';
import type { Signature, SignedTx, SigningPayload, UnsignedTx, Utxo } from '../types.js';
import { hash160, p2wpkhScriptCode } from './address.js';
import type { SpendPlan } from './utxo.js';

export const RBF_SEQUENCE = 0xfffffffd;
const SECP256K1_N = secp256k1.Point.CURVE().n;

/** Facts stored with the unsigned transaction; `assemble` and `getStatus` read them back. */
export interface BitcoinTxDetails {
  txid: string;
  publicKey: string;
  from: string;
  to: string;
  amount: string;
  inputs: { txid: string; vout: number; value: string; scriptPubKey: string }[];
  change: string;
  fee: string;
  vsize: number;
  feeRateSatPerKvB: string;
  [key: string]: unknown;
}

function txidBytes(txid: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(txid)) throw new Error(`bad txid ${txid}`);
  return hexToBytes(txid).reverse();
}

export function buildUnsigned(args: {
  chain: string;
  plan: SpendPlan;
  amount: bigint;
  from: string;
  to: string;
  toScript: Uint8Array;
  changeScript: Uint8Array;
  publicKey: Uint8Array;
  satPerKvB: bigint;
}): UnsignedTx {
  const { plan } = args;
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = 0;
  for (const u of plan.inputs) tx.addInput(txidBytes(u.txid), u.vout, RBF_SEQUENCE);
  tx.addOutput(args.toScript, args.amount);
  if (plan.change > 0n) tx.addOutput(args.changeScript, plan.change);

  const scriptCode = p2wpkhScriptCode(hash160(args.publicKey));
  const payloads: SigningPayload[] = plan.inputs.map((u: Utxo, i) => ({
    curve: 'secp256k1',
    payload: bytesToHex(tx.hashForWitnessV0(i, scriptCode, BigInt(u.value), Transaction.SIGHASH_ALL)),
  }));

  const details: BitcoinTxDetails = {
    // A segwit txid covers no witness data, so it is final before signing.
    txid: tx.getId(),
    publicKey: bytesToHex(args.publicKey),
    from: args.from,
    to: args.to,
    amount: args.amount.toString(),
    inputs: plan.inputs.map((u) => ({ txid: u.txid, vout: u.vout, value: u.value, scriptPubKey: u.scriptPubKey })),
    change: plan.change.toString(),
    fee: plan.fee.toString(),
    vsize: plan.vsize,
    feeRateSatPerKvB: args.satPerKvB.toString(),
  };
  return { chain: args.chain, unsigned: tx.toHex(), payloads, details };
}

/** Puts `[DER(sig)||SIGHASH_ALL, pubkey]` into each input's witness after checking each signature. */
export function assembleSigned(unsigned: UnsignedTx, signatures: Signature[]): SignedTx {
  const details = unsigned.details as BitcoinTxDetails;
  const tx = Transaction.fromHex(unsigned.unsigned);
  if (signatures.length !== tx.ins.length || unsigned.payloads.length !== tx.ins.length) {
    throw chainError(
      ErrorId.SigningFailed,
      `expected ${tx.ins.length} signatures, got ${signatures.length}`,
      'terminal',
    );
  }
  const pubkey = hexToBytes(details.publicKey);
  signatures.forEach((sig, i) => {
    const payload = hexToBytes(unsigned.payloads[i]!.payload);
    const rs = lowS(sig);
    if (!secp256k1.verify(rs, payload, pubkey, { prehash: false, lowS: true })) {
      throw chainError(ErrorId.SigningFailed, `signature ${i} does not verify against the sender's key`, 'terminal');
    }
    tx.setWitness(i, [bscript.signature.encode(rs, Transaction.SIGHASH_ALL), pubkey]);
  });
  const hash = tx.getId();
  if (hash !== details.txid)
    throw chainError(ErrorId.SigningFailed, 'assembled txid differs from the built txid', 'terminal');
  return { raw: tx.toHex(), hash };
}

/** 64-byte r||s with s normalized to the lower half (BIP146 makes high-s non-standard). */
function lowS(sig: Signature): Uint8Array {
  if (sig.curve !== 'secp256k1' || !/^[0-9a-fA-F]{128}$/.test(sig.signature)) {
    throw chainError(ErrorId.SigningFailed, 'expected a 64-byte secp256k1 r||s signature', 'terminal');
  }
  const bytes = hexToBytes(sig.signature.toLowerCase());
  const s = BigInt(`0x${sig.signature.slice(64)}`);
  if (s > SECP256K1_N / 2n) bytes.set(hexToBytes((SECP256K1_N - s).toString(16).padStart(64, '0')), 32);
  return bytes;
}
