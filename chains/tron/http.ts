/**
 * Minimal client for a java-tron full node's HTTP API (`/wallet/*`) and its solidity API (`/walletsolidity/*`,
 * served by the same host on TronGrid). POST + JSON only; no keys. Errors keep the node's own shape so the
 * classifier (errors.ts) can map them.
 */

export interface TronHttpOptions {
  /** Defaults to the full node URL (TronGrid serves both). */
  solidityUrl?: string;
  timeoutMs?: number;
  /** TronGrid API key (header `TRON-PRO-API-KEY`). */
  apiKey?: string;
}

/** The endpoint answered with a non-2xx status. */
export class TronHttpError extends Error {
  override name = 'TronHttpError';
  constructor(
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Tron node HTTP ${status} on ${path}: ${body.slice(0, 300)}`);
  }
}

/** The node answered 200 with `{ "Error": "..." }` (how java-tron reports bad requests). */
export class TronNodeError extends Error {
  override name = 'TronNodeError';
  constructor(
    readonly path: string,
    readonly nodeMessage: string,
  ) {
    super(`Tron node error on ${path}: ${nodeMessage.slice(0, 300)}`);
  }
}

export interface TronBlock {
  blockID: string;
  block_header: {
    raw_data: {
      number?: number;
      timestamp?: number;
      parentHash?: string;
      txTrieRoot?: string;
      witness_address?: string;
    };
  };
  transactions?: unknown[];
}

export interface TronAccount {
  address?: string;
  balance?: number;
}

export interface TronAccountResource {
  freeNetUsed?: number;
  freeNetLimit?: number;
  NetUsed?: number;
  NetLimit?: number;
  EnergyUsed?: number;
  EnergyLimit?: number;
}

export interface TronConstantResult {
  result?: { result?: boolean; code?: string; message?: string };
  energy_used?: number;
  constant_result?: string[];
  /** A REVERT keeps `result.result: true` but marks the simulated transaction FAILED. */
  transaction?: { ret?: Array<{ ret?: string }> };
}

export interface TronTransactionInfo {
  id?: string;
  fee?: number;
  blockNumber?: number;
  blockTimeStamp?: number;
  contractResult?: string[];
  receipt?: { result?: string; net_usage?: number; net_fee?: number; energy_usage_total?: number; energy_fee?: number };
  result?: string;
  resMessage?: string;
}

export interface TronBroadcastResponse {
  result?: boolean;
  txid?: string;
  code?: string;
  /** Hex-encoded UTF-8 on java-tron. */
  message?: string;
}

export class TronHttpClient {
  private readonly fullUrl: string;
  private readonly solidityUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(fullNodeUrl: string, options: TronHttpOptions = {}) {
    this.fullUrl = fullNodeUrl.replace(/\/+$/, '');
    this.solidityUrl = (options.solidityUrl ?? fullNodeUrl).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.apiKey) this.headers['TRON-PRO-API-KEY'] = options.apiKey;
  }

  /** POST `/wallet/<path>` on the full node. */
  wallet<T>(path: string, body: unknown = {}): Promise<T> {
    return this.post<T>(this.fullUrl, `/wallet/${path}`, body);
  }

  /** POST `/walletsolidity/<path>`: sees solidified (irreversible) blocks only. */
  solidity<T>(path: string, body: unknown = {}): Promise<T> {
    return this.post<T>(this.solidityUrl, `/walletsolidity/${path}`, body);
  }

  private async post<T>(base: string, path: string, body: unknown): Promise<T> {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new TronHttpError(path, res.status, text);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new TronHttpError(path, res.status, `non-JSON body: ${text}`);
    }
    if (json && typeof json === 'object' && 'Error' in json) {
      throw new TronNodeError(path, String((json as { Error: unknown }).Error));
    }
    return json as T;
  }

  getNowBlock(): Promise<TronBlock> {
    return this.wallet<TronBlock>('getnowblock');
  }

  getSolidNowBlock(): Promise<TronBlock> {
    return this.solidity<TronBlock>('getnowblock');
  }

  getBlockByNum(num: number): Promise<TronBlock> {
    return this.wallet<TronBlock>('getblockbynum', { num });
  }

  getAccount(address: string): Promise<TronAccount> {
    return this.wallet<TronAccount>('getaccount', { address, visible: true });
  }

  getAccountResource(address: string): Promise<TronAccountResource> {
    return this.wallet<TronAccountResource>('getaccountresource', { address, visible: true });
  }

  async getChainParameters(): Promise<Map<string, number>> {
    const res = await this.wallet<{ chainParameter?: Array<{ key: string; value?: number }> }>('getchainparameters');
    return new Map((res.chainParameter ?? []).map((p) => [p.key, p.value ?? 0]));
  }

  triggerConstant(owner: string, contract: string, functionSelector: string, parameter: string) {
    return this.wallet<TronConstantResult>('triggerconstantcontract', {
      owner_address: owner,
      contract_address: contract,
      function_selector: functionSelector,
      parameter,
      visible: true,
    });
  }

  broadcast(signedTx: unknown): Promise<TronBroadcastResponse> {
    return this.wallet<TronBroadcastResponse>('broadcasttransaction', signedTx);
  }

  getTransactionById(txid: string): Promise<{ txID?: string }> {
    return this.wallet('gettransactionbyid', { value: txid });
  }

  getTransactionFromPending(txid: string): Promise<{ txID?: string }> {
    return this.wallet('gettransactionfrompending', { value: txid });
  }

  getTransactionInfo(txid: string): Promise<TronTransactionInfo> {
    return this.wallet('gettransactioninfobyid', { value: txid });
  }

  getSolidTransactionInfo(txid: string): Promise<TronTransactionInfo> {
    return this.solidity('gettransactioninfobyid', { value: txid });
  }
}

/** java-tron hex-encodes broadcast messages; decode when it looks like hex, else return as is. */
export function decodeNodeMessage(message: string | undefined): string {
  if (!message) return '';
  if (!/^([0-9a-fA-F]{2})+$/.test(message)) return message;
  return Buffer.from(message, 'hex').toString('utf8');
}
