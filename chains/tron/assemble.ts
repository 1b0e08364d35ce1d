/**
 * Attaches the signature the way Tron expects it: 65 bytes r||s||v with v = recovery + 27 (tronweb's ECKeySign).
 * The signed transaction JSON is the raw form; its hash is the txID computed at build time.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { Signature, SignedTx, UnsignedTx } from '../types.js';
import { tronAddressFromHex, tronAddressFromPublicKey } from './address.js';
import type { TronTxJson } from './build.js';
import { rawDataHex, txIdOf } from './protobuf.js';

const signingFailed = (message: string) => new BaseError(message, { id: ErrorId.SigningFailed, kind: 'terminal' });

export function tronSignatureHex(sig: Signature): string {
  if (sig.curve !== 'secp256k1') throw signingFailed('Tron needs a secp256k1 signature');
  const rs = sig.signature.replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]{128}$/.test(rs)) throw signingFailed('secp256k1 signature must be 64 bytes r||s');
  if (sig.recovery !== 0 && sig.recovery !== 1) throw signingFailed('secp256k1 signature needs a recovery id 0 or 1');
  return rs + (sig.recovery + 27).toString(16);
}

/** Recovers the Tron address that produced `sig` over `txID`. */
export function recoverSigner(txID: string, sig: Signature): string {
  const compact = hexToBytes(sig.signature.replace(/^0x/i, ''));
  const recovered = new Uint8Array(65);
  recovered[0] = sig.recovery ?? 0;
  recovered.set(compact, 1);
  const pub = secp256k1.recoverPublicKey(recovered, hexToBytes(txID), { prehash: false });
  return tronAddressFromPublicKey(Buffer.from(pub).toString('hex'));
}

export function assembleTronTransfer(unsigned: UnsignedTx, signatures: Signature[]): SignedTx {
  const tx = JSON.parse(unsigned.unsigned) as TronTxJson;
  // Never trust a stored txID: recompute it from the raw data we are about to send.
  const hex = rawDataHex(tx.raw_data);
  const txID = txIdOf(hex);
  if (hex !== tx.raw_data_hex || txID !== tx.txID || unsigned.payloads[0]?.payload !== txID) {
    throw signingFailed('unsigned Tron transaction does not match its txID');
  }
  const sig = signatures[0];
  if (signatures.length !== 1 || !sig) throw signingFailed('a Tron transfer takes exactly one signature');
  const signature = tronSignatureHex(sig);
  const contract = tx.raw_data.contract[0];
  const owner = contract ? tronAddressFromHex(contract.parameter.value.owner_address) : '';
  let signer: string;
  try {
    signer = recoverSigner(txID, sig);
  } catch (cause) {
    throw new BaseError('signature does not recover to a public key', {
      id: ErrorId.SigningFailed,
      kind: 'terminal',
      cause,
    });
  }
  if (signer !== owner) throw signingFailed('signature was not made by the sending address');
  const signed: TronTxJson = { ...tx, signature: [signature] };
  return { raw: JSON.stringify(signed), hash: txID };
}
