/**
 * Horizon result codes (`extras.result_codes`) and the matching XDR `TransactionResult`, as stellar-core
 * and Horizon produce them. The peer's own table: the adapter decodes result XDR independently.
 */
import { xdr } from '@stellar/stellar-sdk';

export type TxCode =
  | 'tx_success'
  | 'tx_failed'
  | 'tx_too_early'
  | 'tx_too_late'
  | 'tx_missing_operation'
  | 'tx_bad_seq'
  | 'tx_bad_auth'
  | 'tx_insufficient_balance'
  | 'tx_no_source_account'
  | 'tx_insufficient_fee'
  | 'tx_bad_auth_extra'
  | 'tx_malformed';

export type OpKind = 'createAccount' | 'payment' | 'changeTrust' | 'unsupported';

export interface OpOutcome {
  kind: OpKind;
  /** Horizon code, e.g. `op_success`, `op_underfunded`. */
  code: string;
}

const inner = (tr: xdr.OperationResultTr) => xdr.OperationResult.opInner(tr);

const CREATE_ACCOUNT: Record<string, () => xdr.OperationResult> = {
  op_success: () => inner(xdr.OperationResultTr.createAccount(xdr.CreateAccountResult.createAccountSuccess())),
  op_malformed: () => inner(xdr.OperationResultTr.createAccount(xdr.CreateAccountResult.createAccountMalformed())),
  op_underfunded: () => inner(xdr.OperationResultTr.createAccount(xdr.CreateAccountResult.createAccountUnderfunded())),
  op_low_reserve: () => inner(xdr.OperationResultTr.createAccount(xdr.CreateAccountResult.createAccountLowReserve())),
  op_already_exists: () =>
    inner(xdr.OperationResultTr.createAccount(xdr.CreateAccountResult.createAccountAlreadyExist())),
};

const PAYMENT: Record<string, () => xdr.OperationResult> = {
  op_success: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentSuccess())),
  op_malformed: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentMalformed())),
  op_underfunded: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentUnderfunded())),
  op_src_no_trust: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentSrcNoTrust())),
  op_no_destination: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentNoDestination())),
  op_no_trust: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentNoTrust())),
  op_line_full: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentLineFull())),
  op_no_issuer: () => inner(xdr.OperationResultTr.payment(xdr.PaymentResult.paymentNoIssuer())),
};

const CHANGE_TRUST: Record<string, () => xdr.OperationResult> = {
  op_success: () => inner(xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustSuccess())),
  op_malformed: () => inner(xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustMalformed())),
  op_no_issuer: () => inner(xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustNoIssuer())),
  op_invalid_limit: () => inner(xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustInvalidLimit())),
  op_low_reserve: () => inner(xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustLowReserve())),
  op_self_not_allowed: () =>
    inner(xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustSelfNotAllowed())),
};

function opXdr(o: OpOutcome): xdr.OperationResult {
  if (o.kind === 'unsupported') return xdr.OperationResult.opNotSupported();
  const table = o.kind === 'createAccount' ? CREATE_ACCOUNT : o.kind === 'payment' ? PAYMENT : CHANGE_TRUST;
  const make = table[o.code];
  if (!make) throw new Error(`no XDR for ${o.kind} ${o.code}`);
  return make();
}

const TX_ONLY: Record<Exclude<TxCode, 'tx_success' | 'tx_failed'>, () => xdr.TransactionResultResult> = {
  tx_too_early: () => xdr.TransactionResultResult.txTooEarly(),
  tx_too_late: () => xdr.TransactionResultResult.txTooLate(),
  tx_missing_operation: () => xdr.TransactionResultResult.txMissingOperation(),
  tx_bad_seq: () => xdr.TransactionResultResult.txBadSeq(),
  tx_bad_auth: () => xdr.TransactionResultResult.txBadAuth(),
  tx_insufficient_balance: () => xdr.TransactionResultResult.txInsufficientBalance(),
  tx_no_source_account: () => xdr.TransactionResultResult.txNoAccount(),
  tx_insufficient_fee: () => xdr.TransactionResultResult.txInsufficientFee(),
  tx_bad_auth_extra: () => xdr.TransactionResultResult.txBadAuthExtra(),
  tx_malformed: () => xdr.TransactionResultResult.txMalformed(),
};

/** Base64 `TransactionResult` XDR for a whole-transaction outcome. */
export function resultXdr(code: TxCode, feeCharged: bigint, ops: OpOutcome[] = []): string {
  let result: xdr.TransactionResultResult;
  if (code === 'tx_success') result = xdr.TransactionResultResult.txSuccess(ops.map(opXdr));
  else if (code === 'tx_failed') result = xdr.TransactionResultResult.txFailed(ops.map(opXdr));
  else result = TX_ONLY[code]();
  return new xdr.TransactionResult({
    feeCharged: xdr.Int64.fromString(feeCharged.toString()),
    result,
    ext: new xdr.TransactionResultExt(0),
  }).toXDR('base64');
}
