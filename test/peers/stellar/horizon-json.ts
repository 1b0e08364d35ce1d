/** Horizon's JSON resources and problem documents (https://developers.stellar.org/docs/data/horizon). */
import type { Transaction } from '@stellar/stellar-sdk';
import { type AccountState, type LedgerRecord, subentries, type TxRecord } from './ledger.js';

export function amount(stroops: bigint): string {
  const neg = stroops < 0n;
  const abs = neg ? -stroops : stroops;
  return `${neg ? '-' : ''}${abs / 10_000_000n}.${(abs % 10_000_000n).toString().padStart(7, '0')}`;
}

export function isoTime(unixSec: number): string {
  return new Date(unixSec * 1000).toISOString().replace('.000Z', 'Z');
}

export function accountJson(base: string, acc: AccountState) {
  const lines = [...acc.trustlines.values()].map((l) => ({
    balance: amount(l.balance),
    limit: amount(l.limit),
    buying_liabilities: '0.0000000',
    selling_liabilities: '0.0000000',
    last_modified_ledger: l.lastModifiedLedger,
    is_authorized: true,
    is_authorized_to_maintain_liabilities: true,
    asset_type: l.code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
    asset_code: l.code,
    asset_issuer: l.issuer,
  }));
  return {
    _links: {
      self: { href: `${base}/accounts/${acc.id}` },
      transactions: { href: `${base}/accounts/${acc.id}/transactions{?cursor,limit,order}`, templated: true },
      data: { href: `${base}/accounts/${acc.id}/data/{key}`, templated: true },
    },
    id: acc.id,
    account_id: acc.id,
    sequence: acc.seq.toString(),
    sequence_ledger: acc.lastModifiedLedger,
    sequence_time: String(acc.lastModifiedTime),
    subentry_count: subentries(acc),
    last_modified_ledger: acc.lastModifiedLedger,
    last_modified_time: isoTime(acc.lastModifiedTime),
    thresholds: { low_threshold: 0, med_threshold: 0, high_threshold: 0 },
    flags: { auth_required: false, auth_revocable: false, auth_immutable: false, auth_clawback_enabled: false },
    balances: [
      ...lines,
      {
        balance: amount(acc.native),
        buying_liabilities: '0.0000000',
        selling_liabilities: '0.0000000',
        asset_type: 'native',
      },
    ],
    signers: [{ weight: 1, key: acc.id, type: 'ed25519_public_key' }],
    data: Object.fromEntries(acc.data),
    data_attr: Object.fromEntries(acc.data),
    num_sponsoring: 0,
    num_sponsored: 0,
    paging_token: acc.id,
  };
}

function memoFields(tx: Transaction): Record<string, string> {
  const m = tx.memo;
  if (m.type === 'none') return { memo_type: 'none' };
  const v = m.value;
  const memo = Buffer.isBuffer(v) ? (m.type === 'text' ? v.toString('utf8') : v.toString('base64')) : String(v);
  return { memo_type: m.type, memo };
}

export function txJson(base: string, r: TxRecord) {
  const pagingToken = ((BigInt(r.ledger) << 32n) | (BigInt(r.index) << 12n)).toString();
  const minTime = r.tx.timeBounds?.minTime ?? '0';
  const maxTime = r.tx.timeBounds?.maxTime ?? '0';
  return {
    _links: {
      self: { href: `${base}/transactions/${r.hash}` },
      account: { href: `${base}/accounts/${r.source}` },
      ledger: { href: `${base}/ledgers/${r.ledger}` },
    },
    id: r.hash,
    paging_token: pagingToken,
    successful: r.successful,
    hash: r.hash,
    ledger: r.ledger,
    created_at: isoTime(r.createdAt),
    source_account: r.source,
    source_account_sequence: r.sourceSeq,
    fee_account: r.source,
    fee_charged: r.feeCharged.toString(),
    max_fee: r.maxFee.toString(),
    operation_count: r.opCount,
    envelope_xdr: r.envelopeXdr,
    result_xdr: r.resultXdr,
    ...memoFields(r.tx),
    signatures: r.tx.signatures.map((s) => s.signature().toString('base64')),
    valid_after: isoTime(Number(minTime)),
    ...(maxTime !== '0' ? { valid_before: isoTime(Number(maxTime)) } : {}),
    preconditions: { timebounds: { min_time: minTime, ...(maxTime !== '0' ? { max_time: maxTime } : {}) } },
  };
}

export function ledgerJson(base: string, l: LedgerRecord, baseFee: number, baseReserve: bigint) {
  return {
    _links: {
      self: { href: `${base}/ledgers/${l.sequence}` },
      transactions: { href: `${base}/ledgers/${l.sequence}/transactions{?cursor,limit,order}`, templated: true },
    },
    id: l.hash,
    paging_token: (BigInt(l.sequence) << 32n).toString(),
    hash: l.hash,
    prev_hash: l.prevHash,
    sequence: l.sequence,
    successful_transaction_count: l.successful,
    failed_transaction_count: l.failed,
    operation_count: l.operations,
    tx_set_operation_count: l.operations,
    closed_at: isoTime(l.closedAt),
    total_coins: '105443902087.3472865',
    fee_pool: '0.0000000',
    base_fee_in_stroops: baseFee,
    base_reserve_in_stroops: Number(baseReserve),
    max_tx_set_size: 1000,
    protocol_version: 22,
  };
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  extras?: Record<string, unknown>;
}

const P = 'https://stellar.org/horizon-errors/';

export const problems = {
  notFound: (): Problem => ({
    type: `${P}not_found`,
    title: 'Resource Missing',
    status: 404,
    detail:
      'The resource at the url requested was not found.  This usually occurs for one of two reasons:  The url requested is not valid, or no data in our database could be found with the parameters provided.',
  }),
  badRequest: (field: string, reason: string): Problem => ({
    type: `${P}bad_request`,
    title: 'Bad Request',
    status: 400,
    detail: 'The request you sent was invalid in some way.',
    extras: { invalid_field: field, reason },
  }),
  transactionMalformed: (envelopeXdr: string): Problem => ({
    type: `${P}transaction_malformed`,
    title: 'Transaction Malformed',
    status: 400,
    detail:
      'Horizon could not decode the transaction envelope in this request. A transaction should be an XDR TransactionEnvelope struct encoded using base64.',
    extras: { envelope_xdr: envelopeXdr },
  }),
  transactionFailed: (
    envelopeXdr: string,
    resultXdr: string,
    codes: { transaction: string; operations?: string[] },
    hash?: string,
  ): Problem => ({
    type: `${P}transaction_failed`,
    title: 'Transaction Failed',
    status: 400,
    detail:
      'The transaction failed when submitted to the stellar network. The `extras.result_codes` field on this response contains further details.  Descriptions of each code can be found at: https://developers.stellar.org/docs/data/horizon/api-reference/errors/http-status-codes/horizon-specific/transaction-failed',
    extras: { envelope_xdr: envelopeXdr, result_codes: codes, result_xdr: resultXdr, ...(hash ? { hash } : {}) },
  }),
  timeout: (): Problem => ({
    type: `${P}timeout`,
    title: 'Timeout',
    status: 504,
    detail:
      'Your request timed out before completing.  Please try your request again. If you are submitting a transaction make sure you are sending exactly the same transaction (with the same sequence number).',
  }),
  serverError: (status: number): Problem => ({
    type: `${P}server_error`,
    title: 'Internal Server Error',
    status,
    detail:
      'An error occurred while processing this request.  This is usually due to a bug within the server software.  Trying this request again may succeed if the bug is transient, otherwise please report this issue to the issues tracker at: https://github.com/stellar/go/issues. Please include this response in your issue.',
  }),
};
