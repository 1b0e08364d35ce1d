/** JSON-RPC to the regtest node behind the Esplora test peer, keeping bitcoind's error code and message. */

export class NodeRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
  ) {
    super(`${method}: ${rpcMessage} (code ${code})`);
  }
}

export type NodeRpc = <T>(method: string, params?: unknown[]) => Promise<T>;

/** Calls in flight to the node at once: bitcoind answers HTTP 500 "Work queue depth exceeded" beyond 16. */
const MAX_IN_FLIGHT = 4;

/** `rpcUrl` as the regtest peer gives it: `http://user:pass@host:port`. */
export function nodeRpc(rpcUrl: string): NodeRpc {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    waiting.shift()?.();
  };
  const url = new URL(rpcUrl);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  const endpoint = url.toString();
  let id = 0;
  return async <T>(method: string, params: unknown[] = []): Promise<T> => {
    await acquire();
    let res: Response;
    let text: string;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ jsonrpc: '1.0', id: ++id, method, params }),
      });
      text = await res.text();
    } finally {
      release();
    }
    let body: { result?: T; error?: { code: number; message: string } | null };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`node ${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    if (body.error) throw new NodeRpcError(method, body.error.code, body.error.message);
    return body.result as T;
  };
}
