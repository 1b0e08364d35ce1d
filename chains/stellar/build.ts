/**
 * Builds the unsigned transaction with exactly the reserved sequence number, and attaches the
 * signer's ed25519 signature. The message to sign is the 32-byte transaction hash
 * (sha256 of network id + envelope type + tx XDR), which the SDK computes for us.
 */
import { Account, Keypair, Operation, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import { BaseError } from '../../errors/base.js';
import { badRequest, ErrorId } from '../../errors/codes.js';
import { formatAmount } from '../amount.js';
import type {
  NetworkConfig,
  PreflightResult,
  Reservation,
  Signature,
  SignedTx,
  TransferIntent,
  UnsignedTx,
} from '../types.js';
import { stellarAddressFromPublicKey } from './address.js';
import { toSdkAsset } from './assets.js';
import { memoOf } from './memo.js';
import type { StellarPreflightContext } from './preflight.js';

/** What getStatus needs later; stored with the transfer. */
export interface StellarTxDetails {
  source: string;
  sequence: string;
  /** Unix seconds; after the latest ledger closes past this, the transaction can never be included. */
  maxTime: number;
  fee: string;
  operation: 'payment' | 'create_account';
  hash: string;
}

export function passphraseOf(network: NetworkConfig): string {
  const p = network.params?.passphrase;
  if (typeof p !== 'string' || !p) throw new Error(`network ${network.name} has no params.passphrase`);
  return p;
}

function readContext(preflight: PreflightResult): StellarPreflightContext {
  const c = preflight.context as Partial<StellarPreflightContext>;
  if (typeof c.feePerOp !== 'string' || typeof c.maxTime !== 'number' || typeof c.createAccount !== 'boolean') {
    throw badRequest('preflight context is not a Stellar preflight context');
  }
  return c as StellarPreflightContext;
}

export function buildStellarTx(
  network: NetworkConfig,
  intent: TransferIntent,
  preflight: PreflightResult,
  reservation: Reservation,
): UnsignedTx {
  const seqText = reservation.nonce ?? intent.nonce;
  if (!seqText || !/^\d+$/.test(seqText) || BigInt(seqText) < 1n) {
    throw badRequest('a Stellar transfer needs a reserved sequence number', ErrorId.BadNonce);
  }
  if (intent.from.publicKey && stellarAddressFromPublicKey(intent.from.publicKey) !== intent.from.address) {
    throw badRequest('from.publicKey does not match from.address');
  }
  const ctx = readContext(preflight);
  const sequence = BigInt(seqText);
  // TransactionBuilder uses account sequence + 1, so start one below the reserved number.
  const account = new Account(intent.from.address, (sequence - 1n).toString());
  const amount = formatAmount(BigInt(intent.rawAmount), 7);
  const operation = ctx.createAccount
    ? Operation.createAccount({ destination: intent.to, startingBalance: amount })
    : Operation.payment({ destination: intent.to, asset: toSdkAsset(intent.token), amount });
  const tx = new TransactionBuilder(account, {
    fee: ctx.feePerOp,
    networkPassphrase: passphraseOf(network),
    timebounds: { minTime: 0, maxTime: ctx.maxTime },
    memo: memoOf(intent),
  })
    .addOperation(operation)
    .build();
  if (tx.sequence !== sequence.toString()) throw new Error('built transaction has the wrong sequence');
  const hash = tx.hash().toString('hex');
  const details: StellarTxDetails = {
    source: intent.from.address,
    sequence: tx.sequence,
    maxTime: ctx.maxTime,
    fee: tx.fee,
    operation: ctx.createAccount ? 'create_account' : 'payment',
    hash,
  };
  return {
    chain: network.name,
    unsigned: tx.toEnvelope().toXDR('base64'),
    payloads: [{ curve: 'ed25519', payload: hash }],
    details: { ...details },
  };
}

export function assembleStellarTx(network: NetworkConfig, unsigned: UnsignedTx, signatures: Signature[]): SignedTx {
  const tx = TransactionBuilder.fromXDR(unsigned.unsigned, passphraseOf(network)) as Transaction;
  const sig = signatures[0];
  if (signatures.length !== 1 || !sig || sig.curve !== 'ed25519' || !/^[0-9a-fA-F]{128}$/.test(sig.signature)) {
    throw new BaseError('expected one 64-byte ed25519 signature', { id: ErrorId.SigningFailed, kind: 'terminal' });
  }
  const sigBytes = Buffer.from(sig.signature, 'hex');
  const signer = Keypair.fromPublicKey(tx.source);
  // Catch a wrong key or message here rather than as tx_bad_auth from the network.
  if (!signer.verify(tx.hash(), sigBytes)) {
    throw new BaseError('signature does not verify for the source account', {
      id: ErrorId.SigningFailed,
      kind: 'terminal',
    });
  }
  tx.addSignature(tx.source, sigBytes.toString('base64'));
  return { raw: tx.toEnvelope().toXDR('base64'), hash: tx.hash().toString('hex') };
}
