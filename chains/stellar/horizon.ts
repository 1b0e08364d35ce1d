/**
 * A small Horizon REST client (plain fetch, so every HTTP status reaches `classify` intact).
 * Only the resources the adapter reads; shapes follow https://developers.stellar.org/docs/data/horizon.
 */

export interface HorizonProblem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  extras?: {
    envelope_xdr?: string;
    result_xdr?: string;
    result_codes?: { transaction?: string; operations?: string[] };
    hash?: string;
    invalid_field?: string;
    reason?: string;
  };
}

export interface HorizonBalance {
  balance: string;
  asset_type: 'native' | 'credit_alphanum4' | 'credit_alphanum12' | 'liquidity_pool_shares';
  asset_code?: string;
  asset_issuer?: string;
  limit?: string;
  selling_liabilities?: string;
  buying_liabilities?: string;
  is_authorized?: boolean;
}

export interface HorizonAccount {
  id: string;
  sequence: string;
  subentry_count: number;
  num_sponsoring?: number;
  num_sponsored?: number;
  balances: HorizonBalance[];
  data_attr?: Record<string, string>;
}

export interface HorizonTransaction {
  hash: string;
  ledger: number;
  successful: boolean;
  created_at: string;
  result_xdr?: string;
  source_account: string;
  source_account_sequence: string;
  fee_charged: string | number;
}

export interface HorizonLedger {
  sequence: number;
  hash: string;
  closed_at: string;
  base_fee_in_stroops: number;
  base_reserve_in_stroops: number;
}

export interface HorizonFeeStats {
  last_ledger_base_fee: string;
  fee_charged: Record<string, string>;
}

/** A non-2xx answer from Horizon, with its problem document. */
export class HorizonError extends Error {
  override name = 'HorizonError';
  constructor(
    readonly status: number,
    readonly problem: HorizonProblem | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(
      `Horizon ${method} ${path} → ${status}${problem?.title ? ` ${problem.title}` : ''}${
        problem?.extras?.result_codes ? ` ${JSON.stringify(problem.extras.result_codes)}` : ''
      }`,
    );
  }
}

const READ_TIMEOUT_MS = 15_000;
/** Horizon holds a submission up to ~30 s waiting for inclusion before answering 504. */
const SUBMIT_TIMEOUT_MS = 65_000;

/** Horizon's root document (`GET /`): what this endpoint says it serves. */
export interface HorizonRoot {
  network_passphrase?: string;
  history_latest_ledger?: number;
}

export class HorizonClient {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** null when the account does not exist (unfunded). */
  root(): Promise<HorizonRoot> {
    return this.get('/');
  }

  account(id: string): Promise<HorizonAccount | null> {
    return this.getOrNull(`/accounts/${encodeURIComponent(id)}`);
  }

  /** null while unknown (not yet in a ledger, never submitted, or rejected). */
  transaction(hash: string): Promise<HorizonTransaction | null> {
    return this.getOrNull(`/transactions/${encodeURIComponent(hash)}`);
  }

  async latestLedger(): Promise<HorizonLedger> {
    const page = await this.get<{ _embedded: { records: HorizonLedger[] } }>('/ledgers?order=desc&limit=1');
    const latest = page._embedded.records[0];
    if (!latest) throw new HorizonError(404, { title: 'no ledgers' }, 'GET', '/ledgers');
    return latest;
  }

  ledger(sequence: number): Promise<HorizonLedger> {
    return this.get(`/ledgers/${sequence}`);
  }

  feeStats(): Promise<HorizonFeeStats> {
    return this.get('/fee_stats');
  }

  /** POST /transactions (synchronous submission: answers once the ledger holding it closes). */
  submit(envelopeXdr: string): Promise<HorizonTransaction> {
    return this.request('POST', '/transactions', `tx=${encodeURIComponent(envelopeXdr)}`, SUBMIT_TIMEOUT_MS);
  }

  /** The friendbot's GET /friendbot?addr= (testnet, and the local test peer with its `amount`/`asset` extensions). */
  friendbot(addr: string, params: Record<string, string> = {}): Promise<{ hash?: string }> {
    const q = new URLSearchParams({ addr, ...params });
    return this.get(`/friendbot?${q}`);
  }

  private get<T>(path: string): Promise<T> {
    return this.request('GET', path, undefined, READ_TIMEOUT_MS);
  }

  private async getOrNull<T>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (err instanceof HorizonError && err.status === 404) return null;
      throw err;
    }
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok)
      throw new HorizonError(res.status, json as HorizonProblem | undefined, method, path.split('?')[0] ?? path);
    return json as T;
  }
}
