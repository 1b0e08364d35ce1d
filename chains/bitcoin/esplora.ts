/**
 * Esplora HTTP API client over fetch (https://github.com/Blockstream/esplora/blob/master/API.md): the API of
 * blockstream.info/api and mempool.space/api. JSON or text bodies; errors are plain-text bodies with an HTTP
 * status (400 for a rejected broadcast: `sendrawtransaction RPC error: {"code":-26,"message":"…"}`).
 * Messages name the path only, never the base URL (it may carry an API key).
 */

/** The server answered with a non-2xx status; `body` is its text (Esplora errors are text/plain). */
export class EsploraHttpError extends Error {
  override name = 'EsploraHttpError';
  constructor(
    readonly method: 'GET' | 'POST',
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`esplora ${method} ${path}: HTTP ${status}${body ? ` ${body.slice(0, 300)}` : ''}`);
  }
}

export interface EsploraClient {
  getJson<T>(path: string): Promise<T>;
  getText(path: string): Promise<string>;
  /** POST a text body (POST /tx takes the raw transaction hex). */
  postText(path: string, body: string): Promise<string>;
}

/** Per request; shorter than the 20–30 s activity timeouts so a slow server fails the attempt, not the activity. */
export const ESPLORA_TIMEOUT_MS = 15_000;

export function isNotFound(err: unknown): boolean {
  return err instanceof EsploraHttpError && err.status === 404;
}

export function createEsploraClient(baseUrl: string, opts: { timeoutMs?: number } = {}): EsploraClient {
  const base = baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? ESPLORA_TIMEOUT_MS;

  async function request(method: 'GET' | 'POST', path: string, body?: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'text/plain' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // Network failure or timeout: keep the cause (ECONNREFUSED, TimeoutError) for the classifier.
      throw new Error(`esplora ${method} ${path}: request failed`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new EsploraHttpError(method, path, res.status, text.trim());
    return text;
  }

  return {
    async getJson<T>(path: string): Promise<T> {
      const text = await request('GET', path);
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new EsploraHttpError('GET', path, 502, `not JSON: ${text.slice(0, 100)}`);
      }
    },
    getText: async (path) => (await request('GET', path)).trim(),
    postText: async (path, body) => (await request('POST', path, body)).trim(),
  };
}
