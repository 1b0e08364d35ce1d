/**
 * Bitcoin Core JSON-RPC client over fetch. Credentials come from the URL (`http://user:pass@host:port`)
 * and go into a Basic auth header: fetch refuses URLs with credentials, and they must never reach logs.
 */

/** The node answered with a JSON-RPC error (`code` is Bitcoin Core's RPC error code). */
export class BitcoinRpcError extends Error {
  override name = 'BitcoinRpcError';
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
  ) {
    super(`bitcoin rpc ${method} failed: ${rpcMessage} (code ${code})`);
  }
}

/** The transport failed or the node answered with something that is not JSON-RPC (auth, overload, proxy). */
export class BitcoinHttpError extends Error {
  override name = 'BitcoinHttpError';
  constructor(
    readonly method: string,
    readonly status: number,
    body: string,
  ) {
    super(`bitcoin rpc ${method}: HTTP ${status}${body ? ` ${body.slice(0, 200)}` : ''}`);
  }
}

/** Bitcoin Core RPC error codes we branch on (src/rpc/protocol.h). */
export const RpcCode = {
  MiscError: -1,
  InvalidAddressOrKey: -5,
  InvalidParameter: -8,
  DeserializationError: -22,
  VerifyError: -25,
  VerifyRejected: -26,
  VerifyAlreadyInChain: -27,
  InWarmup: -28,
  MethodNotFound: -32601,
} as const;

interface RpcResponse {
  result?: unknown;
  error?: { code: number; message: string } | null;
  id?: number | string | null;
}

export interface BitcoinRpc {
  call<T>(method: string, params?: unknown[], opts?: { timeoutMs?: number }): Promise<T>;
  /** One HTTP request, many calls; each entry is the result or the BitcoinRpcError of that call. */
  batch<T>(calls: { method: string; params: unknown[] }[]): Promise<(T | BitcoinRpcError)[]>;
}

/** The URL without credentials, safe for messages. */
export function redactUrl(rpcUrl: string): string {
  try {
    const u = new URL(rpcUrl);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid rpc url>';
  }
}

export function createBitcoinRpc(rpcUrl: string, defaults: { timeoutMs?: number } = {}): BitcoinRpc {
  const url = new URL(rpcUrl);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const endpoint = url.toString();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user || pass) headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const defaultTimeout = defaults.timeoutMs ?? 30_000;
  let nextId = 0;

  async function post(method: string, body: unknown, timeoutMs: number): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // Network failure or timeout: keep the cause (ECONNREFUSED, TimeoutError) for the classifier.
      throw new Error(`bitcoin rpc ${method}: request to ${endpoint} failed`, { cause: err });
    }
    const text = await res.text();
    // Bitcoin Core answers RPC errors with HTTP 500 (404 for unknown methods) and a JSON body: parse first.
    try {
      return JSON.parse(text);
    } catch {
      throw new BitcoinHttpError(method, res.status, text);
    }
  }

  function unwrap<T>(method: string, r: RpcResponse | undefined): T | BitcoinRpcError {
    if (!r || typeof r !== 'object') return new BitcoinRpcError(method, RpcCode.MiscError, 'empty response');
    if (r.error) return new BitcoinRpcError(method, r.error.code, r.error.message);
    return r.result as T;
  }

  return {
    async call<T>(method: string, params: unknown[] = [], opts: { timeoutMs?: number } = {}): Promise<T> {
      const id = ++nextId;
      const r = (await post(
        method,
        { jsonrpc: '1.0', id, method, params },
        opts.timeoutMs ?? defaultTimeout,
      )) as RpcResponse;
      const out = unwrap<T>(method, r);
      if (out instanceof BitcoinRpcError) throw out;
      return out;
    },
    async batch<T>(calls: { method: string; params: unknown[] }[]): Promise<(T | BitcoinRpcError)[]> {
      if (calls.length === 0) return [];
      const first = ++nextId;
      nextId += calls.length;
      const body = calls.map((c, i) => ({ jsonrpc: '1.0', id: first + i, method: c.method, params: c.params }));
      const label = `batch(${calls[0]?.method}×${calls.length})`;
      const res = await post(label, body, defaultTimeout);
      if (!Array.isArray(res)) {
        const single = unwrap<never>(label, res as RpcResponse);
        throw single instanceof BitcoinRpcError ? single : new BitcoinHttpError(label, 200, 'not a batch response');
      }
      const byId = new Map<unknown, RpcResponse>(res.map((r: RpcResponse) => [r.id, r]));
      return calls.map((c, i) => unwrap<T>(c.method, byId.get(first + i)));
    },
  };
}
