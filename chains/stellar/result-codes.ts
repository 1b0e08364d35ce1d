/**
 * Horizon-style result codes (`tx_failed`, `op_underfunded`, …) from a `TransactionResult` XDR,
 * for transactions Horizon returns from GET /transactions/:hash (which carries no result_codes).
 */
import { xdr } from '@stellar/stellar-sdk';

export interface ResultCodes {
  transaction: string;
  operations?: string[];
}

const TX_EXCEPTIONS: Record<string, string> = { txNoAccount: 'tx_no_source_account' };
const OP_EXCEPTIONS: Record<string, string> = {
  opNoAccount: 'op_no_source_account',
  AlreadyExist: 'op_already_exists',
};

function snake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export function decodeResultXdr(resultXdrBase64: string): ResultCodes {
  const result = xdr.TransactionResult.fromXDR(resultXdrBase64, 'base64').result();
  const txName = result.switch().name;
  const transaction = TX_EXCEPTIONS[txName] ?? snake(txName);
  if (txName !== 'txFailed' && txName !== 'txSuccess') return { transaction };
  const operations = result.results().map((op) => {
    const outer = op.switch().name;
    if (outer !== 'opInner') return OP_EXCEPTIONS[outer] ?? snake(outer);
    const tr = op.tr();
    const opType = tr.switch().name; // e.g. `payment`
    const inner = (tr.value() as { switch(): { name: string } }).switch().name; // e.g. `paymentUnderfunded`
    const rest = inner.startsWith(opType) ? inner.slice(opType.length) : inner;
    return OP_EXCEPTIONS[rest] ?? `op_${snake(rest)}`;
  });
  return { transaction, operations };
}
