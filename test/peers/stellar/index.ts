/**
 * A Horizon TEST PEER: an HTTP server speaking the subset of Horizon's API that
 * `new Horizon.Server(url, { allowHttp: true })` (@stellar/stellar-sdk 15) and chains/stellar use,
 * over an in-memory ledger (./ledger.ts). Not a Stellar node: no consensus, no history archive,
 * three operation types. There is no installable Stellar node here, so tests run against this.
 *
 * Ledgers close every `ledgerMs` (0 = only when `closeLedger()` is called). POST /transactions
 * behaves like Horizon's synchronous submission: rejected at once with stellar-core's result code,
 * or held until the ledger that includes the transaction closes (504 after `submitTimeoutMs`).
 */

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Account, Asset, BASE_FEE, Keypair, Operation, StrKey, TransactionBuilder } from '@stellar/stellar-sdk';
import { freePort } from '../../../scripts/stack/ports.js';
import { accountJson, amount, ledgerJson, type Problem, problems, txJson } from './horizon-json.js';
import {
  type AccountState,
  assetKey,
  INT64_MAX,
  type LedgerRecord,
  type Outcome,
  StellarLedger,
  toStroops,
} from './ledger.js';

export const LOCAL_PASSPHRASE = 'Chainflow Local Test Peer ; 2026';

/**
 * The stellar-local USDC issuer: derived from a public phrase so chains/networks/stellar.json can name it.
 * A well-known TEST key; never use it anywhere real.
 */
export const LOCAL_USDC_ISSUER = Keypair.fromRawEd25519Seed(
  createHash('sha256').update('chainflow stellar-local test peer USDC issuer').digest(),
);

export interface StellarTestPeerOptions {
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Ledger close interval; 0 = manual (`closeLedger()`). Default 1000. */
  ledgerMs?: number;
  passphrase?: string;
  /** Stroops per operation. Default 100. */
  baseFee?: number;
  /** Stroops. Default 5,000,000 (0.5 XLM). */
  baseReserve?: bigint;
  /** How long POST /transactions waits for inclusion before answering 504. Default 30 s (Horizon's). */
  submitTimeoutMs?: number;
  /** Issue USDC from LOCAL_USDC_ISSUER at start. Default true. */
  localUsdc?: boolean;
  /** stellar-core's one-queued-transaction-per-account rule (TRY_AGAIN_LATER → Horizon 504). Default true. */
  oneTxPerAccount?: boolean;
}

export interface PeerAsset {
  code: string;
  issuer: string;
  /** `CODE:ISSUER`, as the adapter takes tokens. */
  id: string;
}

export interface Fault {
  method: 'GET' | 'POST';
  /** Path prefix, e.g. `/transactions`. */
  path: string;
  status: number;
  /** How many requests to fail. Default 1. */
  times?: number;
}

export interface StellarTestPeer {
  horizonUrl: string;
  port: number;
  passphrase: string;
  ledger: StellarLedger;
  /** Creates (or tops up) an account directly, outside any transaction. */
  fund(accountId: string, xlm: number | string): void;
  /** Creates an issuer account for `code` (random key unless given). */
  createAsset(code: string, opts?: { issuer?: Keypair }): PeerAsset;
  /** Adds a trustline directly (counts as a subentry). */
  trust(accountId: string, asset: PeerAsset | string, limit?: string): void;
  /** Mints `units` of a credit asset to a trusting account directly. */
  pay(accountId: string, asset: PeerAsset | string, units: number | string): void;
  setData(accountId: string, key: string, valueBase64: string | null): void;
  /** Balance in whole units (`"12.5000000"`), or null if the account/trustline is missing. */
  balance(accountId: string, asset?: PeerAsset | string): string | null;
  account(accountId: string): AccountState | undefined;
  closeLedger(): LedgerRecord;
  pendingCount(): number;
  /** Makes the next matching request(s) fail with `status` (Horizon problem body). */
  injectFault(fault: Fault): void;
  stop(): Promise<void>;
}

function parseAsset(a: PeerAsset | string): { code: string; issuer: string } {
  if (typeof a !== 'string') return a;
  const [code, issuer] = a.split(':');
  if (!code || !issuer) throw new Error(`asset must be CODE:ISSUER, got ${a}`);
  return { code, issuer };
}

export async function startStellarTestPeer(opts: StellarTestPeerOptions = {}): Promise<StellarTestPeer> {
  const port = opts.port ?? (await freePort());
  const passphrase = opts.passphrase ?? LOCAL_PASSPHRASE;
  const baseFee = opts.baseFee ?? Number(BASE_FEE);
  const baseReserve = opts.baseReserve ?? 5_000_000n;
  const submitTimeoutMs = opts.submitTimeoutMs ?? 30_000;
  const ledgerMs = opts.ledgerMs ?? 1000;
  const ledger = new StellarLedger({ passphrase, baseFee, baseReserve, oneTxPerAccount: opts.oneTxPerAccount ?? true });
  const timers = new Set<NodeJS.Timeout>();
  /** A timer that stop() cancels (the waiting request is then dropped with its connection). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const horizonUrl = `http://127.0.0.1:${port}`;
  const issuers = new Map<string, Keypair>();
  const friendbot = Keypair.random();
  ledger.credit(friendbot.publicKey(), 50_000_000_000n * 10_000_000n);
  const faults: Array<Fault & { left: number }> = [];

  const createAsset = (code: string, o: { issuer?: Keypair } = {}): PeerAsset => {
    const kp = o.issuer ?? Keypair.random();
    new Asset(code, kp.publicKey()); // validates the code
    if (!ledger.accounts.has(kp.publicKey())) ledger.credit(kp.publicKey(), 100n * 10_000_000n);
    issuers.set(kp.publicKey(), kp);
    return { code, issuer: kp.publicKey(), id: assetKey(code, kp.publicKey()) };
  };
  if (opts.localUsdc ?? true) createAsset('USDC', { issuer: LOCAL_USDC_ISSUER });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, problems.serverError(500));
      else res.end();
      console.error('stellar test peer: handler failed', err);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', horizonUrl);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const fault = faults.find((f) => f.left > 0 && f.method === req.method && path.startsWith(f.path));
    if (fault) {
      fault.left--;
      await drain(req);
      return send(res, fault.status === 504 ? problems.timeout() : problems.serverError(fault.status));
    }
    if (req.method === 'POST' && path === '/transactions') return submitTransaction(req, res);
    if (req.method !== 'GET') return send(res, problems.notFound());

    if (path === '/') return send(res, root());
    if (path === '/fee_stats') return send(res, feeStats());
    if (path === '/friendbot') return friendbotFund(url, res);
    if (path === '/ledgers') return send(res, ledgerPage(url));
    let m = /^\/ledgers\/(\d+)$/.exec(path);
    if (m) {
      const l = ledger.ledgers.find((x) => x.sequence === Number(m?.[1]));
      return send(res, l ? ledgerJson(horizonUrl, l, baseFee, baseReserve) : problems.notFound());
    }
    m = /^\/accounts\/([^/]+)$/.exec(path);
    if (m) {
      const id = m[1] ?? '';
      if (!StrKey.isValidEd25519PublicKey(id)) return send(res, problems.badRequest('account_id', 'invalid address'));
      const acc = ledger.accounts.get(id);
      return send(res, acc ? accountJson(horizonUrl, acc) : problems.notFound());
    }
    m = /^\/transactions\/([^/]+)$/.exec(path);
    if (m) {
      const hash = (m[1] ?? '').toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hash)) return send(res, problems.badRequest('tx_id', 'Invalid transaction hash'));
      const rec = ledger.txs.get(hash);
      return send(res, rec ? txJson(horizonUrl, rec) : problems.notFound());
    }
    return send(res, problems.notFound());
  }

  function root() {
    const l = ledger.latest;
    return {
      _links: { self: { href: `${horizonUrl}/` } },
      horizon_version: 'chainflow-stellar-test-peer',
      core_version: 'none (test peer)',
      ingest_latest_ledger: l.sequence,
      history_latest_ledger: l.sequence,
      history_latest_ledger_closed_at: new Date(l.closedAt * 1000).toISOString().replace('.000Z', 'Z'),
      history_elder_ledger: 1,
      core_latest_ledger: l.sequence,
      network_passphrase: passphrase,
      current_protocol_version: 22,
      supported_protocol_version: 22,
      core_supported_protocol_version: 22,
    };
  }

  function feeStats() {
    const fee = String(baseFee);
    const dist = Object.fromEntries(
      ['max', 'min', 'mode', 'p10', 'p20', 'p30', 'p40', 'p50', 'p60', 'p70', 'p80', 'p90', 'p95', 'p99'].map((k) => [
        k,
        fee,
      ]),
    );
    return {
      last_ledger: String(ledger.latest.sequence),
      last_ledger_base_fee: fee,
      ledger_capacity_usage: '0.00',
      fee_charged: dist,
      max_fee: dist,
    };
  }

  function ledgerPage(url: URL) {
    const order = url.searchParams.get('order') === 'desc' ? 'desc' : 'asc';
    const limit = Math.min(200, Math.max(1, Number(url.searchParams.get('limit') ?? 10) || 10));
    const all = order === 'desc' ? [...ledger.ledgers].reverse() : ledger.ledgers;
    const records = all.slice(0, limit).map((l) => ledgerJson(horizonUrl, l, baseFee, baseReserve));
    const self = `${horizonUrl}/ledgers?order=${order}&limit=${limit}`;
    return { _links: { self: { href: self }, next: { href: self }, prev: { href: self } }, _embedded: { records } };
  }

  async function submitTransaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    const envelope = type.includes('json')
      ? String((JSON.parse(body || '{}') as { tx?: unknown }).tx ?? '')
      : (new URLSearchParams(body).get('tx') ?? '');
    if (!envelope) return send(res, problems.badRequest('tx', 'tx is required'));
    let tx: ReturnType<StellarLedger['decode']>;
    try {
      tx = ledger.decode(envelope);
    } catch {
      return send(res, problems.transactionMalformed(envelope));
    }
    await respondWhenDone(res, envelope, ledger.submit(envelope, tx));
  }

  async function respondWhenDone(res: ServerResponse, envelope: string, outcome: Promise<Outcome>): Promise<void> {
    const o = await Promise.race([outcome, sleep(submitTimeoutMs).then(() => 'timeout' as const)]);
    // Horizon treats core's TRY_AGAIN_LATER as submitted and waits for a ledger that never holds it.
    if (o !== 'timeout' && o.kind === 'try_again_later') await sleep(submitTimeoutMs);
    if (o === 'timeout' || o.kind === 'try_again_later') return send(res, problems.timeout());
    if (o.kind === 'rejected') {
      const r = o.rejection;
      const codes = r.opCodes ? { transaction: r.code, operations: r.opCodes } : { transaction: r.code };
      return send(res, problems.transactionFailed(envelope, r.resultXdr, codes));
    }
    const rec = o.record;
    if (rec.successful) return send(res, txJson(horizonUrl, rec));
    return send(res, problems.transactionFailed(rec.envelopeXdr, rec.resultXdr, rec.resultCodes, rec.hash));
  }

  /** Like the testnet friendbot (GET /friendbot?addr=): a real signed transaction, answered after inclusion.
   *  Peer extensions: `amount` (XLM, default 10000) and `asset=CODE:ISSUER` for assets this peer issued. */
  async function friendbotFund(url: URL, res: ServerResponse): Promise<void> {
    const addr = url.searchParams.get('addr') ?? '';
    if (!StrKey.isValidEd25519PublicKey(addr)) return send(res, problems.badRequest('addr', 'invalid address'));
    const units = url.searchParams.get('amount') ?? '10000';
    if (!/^\d+(\.\d{1,7})?$/.test(units) || toStroops(units) <= 0n) {
      return send(res, problems.badRequest('amount', 'invalid amount'));
    }
    const assetParam = url.searchParams.get('asset');
    let signer = friendbot;
    let op: ReturnType<typeof Operation.payment>;
    if (assetParam) {
      const { code, issuer } = parseAsset(assetParam);
      const kp = issuers.get(issuer);
      if (!kp) return send(res, problems.badRequest('asset', 'this peer does not issue that asset'));
      signer = kp;
      op = Operation.payment({ destination: addr, asset: new Asset(code, issuer), amount: units });
    } else if (ledger.accounts.has(addr)) {
      op = Operation.payment({ destination: addr, asset: Asset.native(), amount: units });
    } else {
      op = Operation.createAccount({ destination: addr, startingBalance: units });
    }
    const source = signer.publicKey();
    const seq = ledger.nextSequence(source);
    const tx = new TransactionBuilder(new Account(source, (seq - 1n).toString()), {
      fee: String(baseFee),
      networkPassphrase: passphrase,
    })
      .addOperation(op)
      .setTimeout(0)
      .build();
    tx.sign(signer);
    const envelope = tx.toEnvelope().toXDR('base64');
    await respondWhenDone(res, envelope, ledger.submit(envelope, tx, { exempt: true }));
  }

  const timer = ledgerMs > 0 ? setInterval(() => ledger.closeLedger(), ledgerMs) : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    horizonUrl,
    port,
    passphrase,
    ledger,
    fund: (id, xlm) => {
      ledger.credit(id, toStroops(String(xlm)));
    },
    createAsset,
    trust: (id, asset, limit) => {
      const a = parseAsset(asset);
      ledger.addTrustline(id, a.code, a.issuer, limit ? toStroops(limit) : INT64_MAX);
    },
    pay: (id, asset, units) => {
      const a = parseAsset(asset);
      ledger.mint(id, a.code, a.issuer, toStroops(String(units)));
    },
    setData: (id, key, value) => ledger.setData(id, key, value),
    balance: (id, asset) => {
      const acc = ledger.accounts.get(id);
      if (!acc) return null;
      if (!asset) return amount(acc.native);
      const a = parseAsset(asset);
      const line = acc.trustlines.get(assetKey(a.code, a.issuer));
      return line ? amount(line.balance) : null;
    },
    account: (id) => ledger.accounts.get(id),
    closeLedger: () => ledger.closeLedger(),
    pendingCount: () => ledger.pendingCount,
    injectFault: (f) => {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, body: object | Problem): void {
  const isProblem = 'type' in body && 'status' in body && typeof body.status === 'number';
  const status = isProblem ? (body as Problem).status : 200;
  res.writeHead(status, {
    'content-type': isProblem ? 'application/problem+json; charset=utf-8' : 'application/hal+json; charset=utf-8',
  });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}
