/**
 * The TEST PEER's ledger: accounts, trustlines, a transaction queue and closed ledgers, with the
 * validation rules stellar-core applies at submission (queue admission) and again at ledger close.
 *
 * Not a Stellar implementation: only create_account, payment and change_trust are applied; every
 * other operation fails with `op_not_supported`. Everything a ledger close changes (fees, sequence
 * numbers, balances) is applied atomically per transaction: a failed operation rolls back its
 * transaction's operation effects but keeps the fee and the sequence bump, as on the real network.
 */
import { createHash } from 'node:crypto';
import {
  Asset,
  Keypair,
  MuxedAccount,
  type Operation,
  StrKey,
  type Transaction,
  TransactionBuilder,
} from '@stellar/stellar-sdk';
import { type OpOutcome, resultXdr, type TxCode } from './results.js';

export const STROOPS_PER_XLM = 10_000_000n;
export const INT64_MAX = (1n << 63n) - 1n;

export interface Trustline {
  code: string;
  issuer: string;
  balance: bigint;
  limit: bigint;
  lastModifiedLedger: number;
}

export interface AccountState {
  id: string;
  seq: bigint;
  native: bigint;
  /** Keyed by `CODE:ISSUER`. */
  trustlines: Map<string, Trustline>;
  /** Base64 values, as `data_attr` shows them. */
  data: Map<string, string>;
  lastModifiedLedger: number;
  lastModifiedTime: number;
}

export interface LedgerRecord {
  sequence: number;
  hash: string;
  prevHash: string;
  /** Unix seconds. */
  closedAt: number;
  txHashes: string[];
  successful: number;
  failed: number;
  operations: number;
}

export interface TxRecord {
  hash: string;
  ledger: number;
  /** Position in its ledger (for paging tokens). */
  index: number;
  createdAt: number;
  successful: boolean;
  source: string;
  sourceSeq: string;
  feeCharged: bigint;
  maxFee: bigint;
  opCount: number;
  envelopeXdr: string;
  resultXdr: string;
  resultCodes: { transaction: TxCode; operations?: string[] };
  tx: Transaction;
}

/** Why a transaction was not admitted or not applied (never included in a ledger). */
export class Rejection extends Error {
  constructor(
    readonly code: TxCode,
    readonly resultXdr: string,
    readonly opCodes?: string[],
  ) {
    super(code);
  }
}

export type Outcome =
  | { kind: 'included'; record: TxRecord }
  | { kind: 'rejected'; rejection: Rejection }
  /** stellar-core's TRY_AGAIN_LATER: not admitted (another transaction from the source is queued). */
  | { kind: 'try_again_later' };

interface PendingTx {
  hash: string;
  tx: Transaction;
  envelopeXdr: string;
  waiters: Array<(o: Outcome) => void>;
}

export interface LedgerOptions {
  passphrase: string;
  baseFee: number;
  baseReserve: bigint;
  /**
   * stellar-core (since v20) keeps at most one queued transaction per source account and answers
   * TRY_AGAIN_LATER to the next one. Default true; false allows seq+1, seq+2 chains in one ledger.
   */
  oneTxPerAccount?: boolean;
}

const nowSec = () => Math.floor(Date.now() / 1000);

export function assetKey(code: string, issuer: string): string {
  return `${code}:${issuer}`;
}

/** "12.5" XLM (or asset units) → stroops. The SDK's decoded operations carry 7-decimal strings. */
export function toStroops(amount: string): bigint {
  const [whole = '0', frac = ''] = amount.split('.');
  return BigInt(whole) * STROOPS_PER_XLM + BigInt(frac.padEnd(7, '0').slice(0, 7) || '0');
}

export class StellarLedger {
  readonly accounts = new Map<string, AccountState>();
  readonly ledgers: LedgerRecord[] = [];
  readonly txs = new Map<string, TxRecord>();
  private pending: PendingTx[] = [];

  constructor(readonly opts: LedgerOptions) {
    const genesisTime = nowSec();
    this.ledgers.push({
      sequence: 1,
      hash: sha256Hex(`genesis:${opts.passphrase}:${genesisTime}`),
      prevHash: '0'.repeat(64),
      closedAt: genesisTime,
      txHashes: [],
      successful: 0,
      failed: 0,
      operations: 0,
    });
  }

  get latest(): LedgerRecord {
    return this.ledgers[this.ledgers.length - 1]!;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  minBalance(acc: AccountState): bigint {
    return (2n + BigInt(subentries(acc))) * this.opts.baseReserve;
  }

  /** Native balance above the reserve. */
  available(acc: AccountState): bigint {
    return acc.native - this.minBalance(acc);
  }

  // ---- test helpers: direct state writes, outside any transaction ----

  /** Credits `stroops` to `id`, creating the account (sequence = ledger << 32, as core does) if needed. */
  credit(id: string, stroops: bigint): AccountState {
    if (!StrKey.isValidEd25519PublicKey(id)) throw new Error(`not an account id: ${id}`);
    let acc = this.accounts.get(id);
    if (!acc) {
      acc = this.newAccount(id, 0n);
      this.accounts.set(id, acc);
    }
    acc.native += stroops;
    this.touch(acc);
    return acc;
  }

  addTrustline(id: string, code: string, issuer: string, limit = INT64_MAX): Trustline {
    const acc = this.mustGet(id);
    const key = assetKey(code, issuer);
    let line = acc.trustlines.get(key);
    if (!line) {
      line = { code, issuer, balance: 0n, limit, lastModifiedLedger: this.latest.sequence };
      acc.trustlines.set(key, line);
    }
    line.limit = limit;
    this.touch(acc);
    return line;
  }

  mint(id: string, code: string, issuer: string, stroops: bigint): void {
    const line = this.mustGet(id).trustlines.get(assetKey(code, issuer));
    if (!line) throw new Error(`${id} has no trustline for ${code}`);
    if (line.balance + stroops > line.limit) throw new Error('trustline limit exceeded');
    line.balance += stroops;
    line.lastModifiedLedger = this.latest.sequence;
  }

  setData(id: string, key: string, valueBase64: string | null): void {
    const acc = this.mustGet(id);
    if (valueBase64 === null) acc.data.delete(key);
    else acc.data.set(key, valueBase64);
    this.touch(acc);
  }

  /** The sequence number the next transaction from `id` must carry, counting queued ones. */
  nextSequence(id: string): bigint {
    const queued = this.pending.filter((p) => p.tx.source === id);
    const last = queued.length ? BigInt(queued[queued.length - 1]!.tx.sequence) : this.mustGet(id).seq;
    return last + 1n;
  }

  // ---- submission ----

  decode(envelopeXdr: string): Transaction {
    const tx = TransactionBuilder.fromXDR(envelopeXdr, this.opts.passphrase);
    if (!('sequence' in tx)) throw new Rejection('tx_malformed', resultXdr('tx_malformed', 0n));
    return tx as Transaction;
  }

  /**
   * Queue admission, as stellar-core checks it: an applied hash returns its record, a queued hash
   * joins the queue entry (DUPLICATE), a second transaction from a source with one already queued is
   * TRY_AGAIN_LATER (unless `exempt`, for the peer's own friendbot, which real friendbots spread over
   * channel accounts), anything else is validated against current state plus the source's queue.
   */
  submit(envelopeXdr: string, tx: Transaction, opts: { exempt?: boolean } = {}): Promise<Outcome> {
    const hash = tx.hash().toString('hex');
    const done = this.txs.get(hash);
    if (done) return Promise.resolve({ kind: 'included', record: done });
    const queued = this.pending.find((p) => p.hash === hash);
    if (queued) return new Promise((resolve) => queued.waiters.push(resolve));
    const limit = (this.opts.oneTxPerAccount ?? true) && !opts.exempt;
    if (limit && this.pending.some((p) => p.tx.source === tx.source)) {
      return Promise.resolve({ kind: 'try_again_later' });
    }
    try {
      this.validate(tx, 'submit', nowSec());
    } catch (err) {
      if (err instanceof Rejection) return Promise.resolve({ kind: 'rejected', rejection: err });
      throw err;
    }
    return new Promise((resolve) => this.pending.push({ hash, tx, envelopeXdr, waiters: [resolve] }));
  }

  /** Closes one ledger: applies every queued transaction in arrival order, atomically each. */
  closeLedger(): LedgerRecord {
    const prev = this.latest;
    const ledger: LedgerRecord = {
      sequence: prev.sequence + 1,
      hash: '',
      prevHash: prev.hash,
      closedAt: Math.max(nowSec(), prev.closedAt),
      txHashes: [],
      successful: 0,
      failed: 0,
      operations: 0,
    };
    const queue = this.pending;
    this.pending = [];
    const outcomes: Array<[PendingTx, Outcome]> = [];
    for (const p of queue) {
      let outcome: Outcome;
      try {
        this.validate(p.tx, 'apply', ledger.closedAt);
        const record = this.apply(p, ledger);
        outcome = { kind: 'included', record };
      } catch (err) {
        if (!(err instanceof Rejection)) throw err;
        outcome = { kind: 'rejected', rejection: err };
      }
      outcomes.push([p, outcome]);
    }
    ledger.hash = sha256Hex(`${ledger.prevHash}:${ledger.sequence}:${ledger.closedAt}:${ledger.txHashes.join(',')}`);
    this.ledgers.push(ledger);
    // Answer waiting submitters only once the ledger is visible, as Horizon does after ingestion.
    for (const [p, o] of outcomes) for (const w of p.waiters) w(o);
    return ledger;
  }

  private validate(tx: Transaction, phase: 'submit' | 'apply', time: number): void {
    const reject: (code: TxCode) => never = (code) => {
      throw new Rejection(code, resultXdr(code, 0n));
    };
    if (tx.operations.length === 0) reject('tx_missing_operation');
    const minTime = Number(tx.timeBounds?.minTime ?? 0);
    const maxTime = Number(tx.timeBounds?.maxTime ?? 0);
    if (minTime > time) reject('tx_too_early');
    if (maxTime !== 0 && maxTime < time) reject('tx_too_late');
    const feeBid = BigInt(tx.fee);
    if (feeBid < BigInt(this.opts.baseFee) * BigInt(tx.operations.length)) reject('tx_insufficient_fee');
    const source = this.accounts.get(tx.source);
    if (!source) reject('tx_no_source_account');

    const queuedFromSource = phase === 'submit' ? this.pending.filter((p) => p.tx.source === tx.source) : [];
    const lastSeq = queuedFromSource.length
      ? BigInt(queuedFromSource[queuedFromSource.length - 1]!.tx.sequence)
      : source.seq;
    if (BigInt(tx.sequence) !== lastSeq + 1n) reject('tx_bad_seq');

    this.checkSignatures(tx, reject);

    const queuedFees = queuedFromSource.reduce((sum, p) => sum + this.feeCharged(p.tx), 0n);
    if (this.available(source) < this.feeCharged(tx) + queuedFees) reject('tx_insufficient_balance');
  }

  /**
   * Every source (tx and operation sources) needs a valid master-key signature (else tx_bad_auth,
   * checked first as core does); a signature no source used makes it tx_bad_auth_extra.
   */
  private checkSignatures(tx: Transaction, reject: (code: TxCode) => never): void {
    const needed = new Set<string>([tx.source]);
    for (const op of tx.operations) if (op.source) needed.add(op.source);
    const hash = tx.hash();
    const signed = new Set<string>();
    let unused = 0;
    for (const sig of tx.signatures) {
      const signer = [...needed].find((id) => {
        const kp = Keypair.fromPublicKey(id);
        return !signed.has(id) && kp.signatureHint().equals(sig.hint()) && kp.verify(hash, sig.signature());
      });
      if (signer) signed.add(signer);
      else unused++;
    }
    for (const id of needed) if (!signed.has(id)) reject('tx_bad_auth');
    if (unused > 0) reject('tx_bad_auth_extra');
  }

  private feeCharged(tx: Transaction): bigint {
    // No surge pricing here: every transaction pays the base fee per operation, whatever it bid.
    return BigInt(this.opts.baseFee) * BigInt(tx.operations.length);
  }

  private apply(p: PendingTx, ledger: LedgerRecord): TxRecord {
    const { tx } = p;
    const fee = this.feeCharged(tx);
    // Fee and sequence bump stick even if an operation fails.
    const source = this.mustGet(tx.source);
    source.native -= fee;
    source.seq = BigInt(tx.sequence);
    this.touch(source, ledger);

    const work = new Overlay(this.accounts);
    const outcomes = tx.operations.map((op) => this.applyOp(work, op, op.source ?? tx.source, ledger));
    const ok = outcomes.every((o) => o.code === 'op_success');
    if (ok) work.commit((acc) => this.touch(acc, ledger));

    const code: TxCode = ok ? 'tx_success' : 'tx_failed';
    const record: TxRecord = {
      hash: p.hash,
      ledger: ledger.sequence,
      index: ledger.txHashes.length + 1,
      createdAt: ledger.closedAt,
      successful: ok,
      source: tx.source,
      sourceSeq: tx.sequence,
      feeCharged: fee,
      maxFee: BigInt(tx.fee),
      opCount: tx.operations.length,
      envelopeXdr: p.envelopeXdr,
      resultXdr: resultXdr(code, fee, outcomes),
      resultCodes: ok ? { transaction: code } : { transaction: code, operations: outcomes.map((o) => o.code) },
      tx,
    };
    this.txs.set(p.hash, record);
    ledger.txHashes.push(p.hash);
    ledger.operations += tx.operations.length;
    if (ok) ledger.successful++;
    else ledger.failed++;
    return record;
  }

  private applyOp(work: Overlay, op: Operation, sourceId: string, ledger: LedgerRecord): OpOutcome {
    switch (op.type) {
      case 'createAccount': {
        const out = (code: string): OpOutcome => ({ kind: 'createAccount', code });
        const amount = toStroops(op.startingBalance);
        if (amount <= 0n) return out('op_malformed');
        if (work.get(op.destination)) return out('op_already_exists');
        if (amount < 2n * this.opts.baseReserve) return out('op_low_reserve');
        const src = work.edit(sourceId);
        if (!src || this.available(src) < amount) return out('op_underfunded');
        src.native -= amount;
        work.create(this.newAccount(op.destination, amount, ledger));
        return out('op_success');
      }
      case 'payment': {
        const out = (code: string): OpOutcome => ({ kind: 'payment', code });
        const amount = toStroops(op.amount);
        if (amount <= 0n) return out('op_malformed');
        // Core checks the destination side first (payments run as strict-receive path payments). A muxed M…
        // destination (SEP-23) credits its base G… account; the id stays in the operation.
        const dest = work.edit(
          StrKey.isValidMed25519PublicKey(op.destination)
            ? MuxedAccount.fromAddress(op.destination, '0').baseAccount().accountId()
            : op.destination,
        );
        if (!dest) return out('op_no_destination');
        const src = work.edit(sourceId);
        if (!src) return out('op_underfunded');
        if (op.asset.isNative()) {
          if (this.available(src) < amount) return out('op_underfunded');
          src.native -= amount;
          dest.native += amount;
          return out('op_success');
        }
        const key = assetKey(op.asset.getCode(), op.asset.getIssuer());
        if (!work.get(op.asset.getIssuer())) return out('op_no_issuer');
        if (dest.id !== op.asset.getIssuer()) {
          const line = dest.trustlines.get(key);
          if (!line) return out('op_no_trust');
          if (line.balance + amount > line.limit) return out('op_line_full');
          line.balance += amount;
          line.lastModifiedLedger = ledger.sequence;
        }
        if (src.id !== op.asset.getIssuer()) {
          const line = src.trustlines.get(key);
          if (!line) return out('op_src_no_trust');
          if (line.balance < amount) return out('op_underfunded');
          line.balance -= amount;
          line.lastModifiedLedger = ledger.sequence;
        }
        return out('op_success');
      }
      case 'changeTrust': {
        const out = (code: string): OpOutcome => ({ kind: 'changeTrust', code });
        if (!(op.line instanceof Asset) || op.line.isNative()) return out('op_malformed');
        const limit = toStroops(op.limit);
        if (op.line.getIssuer() === sourceId) return out('op_self_not_allowed');
        if (!work.get(op.line.getIssuer())) return out('op_no_issuer');
        const src = work.edit(sourceId);
        if (!src) return out('op_malformed');
        const key = assetKey(op.line.getCode(), op.line.getIssuer());
        const line = src.trustlines.get(key);
        if (limit === 0n) {
          if (!line || line.balance > 0n) return out('op_invalid_limit');
          src.trustlines.delete(key);
          return out('op_success');
        }
        if (line) {
          if (limit < line.balance) return out('op_invalid_limit');
          line.limit = limit;
          return out('op_success');
        }
        if (this.available(src) < this.opts.baseReserve) return out('op_low_reserve');
        src.trustlines.set(key, {
          code: op.line.getCode(),
          issuer: op.line.getIssuer(),
          balance: 0n,
          limit,
          lastModifiedLedger: ledger.sequence,
        });
        return out('op_success');
      }
      default:
        return { kind: 'unsupported', code: 'op_not_supported' };
    }
  }

  private newAccount(id: string, native: bigint, ledger: LedgerRecord = this.latest): AccountState {
    return {
      id,
      seq: BigInt(ledger.sequence) << 32n,
      native,
      trustlines: new Map(),
      data: new Map(),
      lastModifiedLedger: ledger.sequence,
      lastModifiedTime: ledger.closedAt,
    };
  }

  private mustGet(id: string): AccountState {
    const acc = this.accounts.get(id);
    if (!acc) throw new Error(`account ${id} does not exist`);
    return acc;
  }

  private touch(acc: AccountState, ledger: LedgerRecord = this.latest): void {
    acc.lastModifiedLedger = ledger.sequence;
    acc.lastModifiedTime = ledger.closedAt;
  }
}

export function subentries(acc: AccountState): number {
  return acc.trustlines.size + acc.data.size;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Copy-on-write view of the accounts, so a failed transaction leaves no operation effects behind. */
class Overlay {
  private readonly changed = new Map<string, AccountState>();

  constructor(private readonly base: Map<string, AccountState>) {}

  get(id: string): AccountState | undefined {
    return this.changed.get(id) ?? this.base.get(id);
  }

  edit(id: string): AccountState | undefined {
    const mine = this.changed.get(id);
    if (mine) return mine;
    const orig = this.base.get(id);
    if (!orig) return undefined;
    const copy: AccountState = {
      ...orig,
      trustlines: new Map([...orig.trustlines].map(([k, l]) => [k, { ...l }])),
      data: new Map(orig.data),
    };
    this.changed.set(id, copy);
    return copy;
  }

  create(acc: AccountState): void {
    this.changed.set(acc.id, acc);
  }

  commit(onWrite: (acc: AccountState) => void): void {
    for (const [id, acc] of this.changed) {
      onWrite(acc);
      this.base.set(id, acc);
    }
  }
}
