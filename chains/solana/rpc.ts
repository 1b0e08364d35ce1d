/**
 * RPC access: @solana/web3.js v1 Connection for reads, plus a plain JSON-RPC call for sendTransaction, because
 * Connection's SendTransactionError drops the validator's `code` and `data.err`, which classification needs.
 */
import { type Commitment, Connection } from '@solana/web3.js';

/** Reads and preflight use `confirmed`: recent enough to be fresh, voted on so it does not roll back in practice. */
export const COMMITMENT: Commitment = 'confirmed';

/** A JSON-RPC error answer, kept whole (code, message, data). */
export class SolanaRpcError extends Error {
  override name = 'SolanaRpcError';
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** A non-200 HTTP answer from the RPC endpoint. */
export class SolanaHttpError extends Error {
  override name = 'SolanaHttpError';
  constructor(
    readonly method: string,
    readonly status: number,
    body: string,
  ) {
    super(`${status} from RPC (${method}): ${body.slice(0, 200)}`);
  }
}

export interface SolanaRpc {
  connection: Connection;
  call<T>(method: string, params: unknown[]): Promise<T>;
}

export function createSolanaRpc(rpcUrl: string, timeoutMs = 15_000): SolanaRpc {
  // Rate limits are retried by the workflow's retry policy, not hidden inside one activity attempt.
  const connection = new Connection(rpcUrl, { commitment: COMMITMENT, disableRetryOnRateLimit: true });
  let id = 0;
  async function call<T>(method: string, params: unknown[]): Promise<T> {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new SolanaHttpError(method, res.status, text);
    const body = JSON.parse(text) as { result?: T; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw new SolanaRpcError(method, body.error.code, body.error.message, body.error.data);
    return body.result as T;
  }
  return { connection, call };
}
