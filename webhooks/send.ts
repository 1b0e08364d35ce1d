/**
 * One delivery attempt: POST the body to the endpoint, connected to the address the SSRF guard approved,
 * within the time limit, never following a redirect. Returns what happened; never throws.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isBaseError } from '../errors/base.js';
import type { AttemptResult } from './schedule.js';
import { parseRetryAfter } from './schedule.js';
import { resolveWebhookTarget, type UrlPolicy } from './url-guard.js';

const MAX_RESPONSE_BYTES = 64 * 1024;

export async function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: UrlPolicy & { timeoutMs: number },
): Promise<AttemptResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  let target: Awaited<ReturnType<typeof resolveWebhookTarget>>;
  try {
    target = await resolveWebhookTarget(rawUrl, opts);
  } catch (err) {
    const id = isBaseError(err) ? err.id : 'webhook_url_invalid';
    return { error: `${id}: ${(err as Error).message}`, durationMs: elapsed() };
  }
  // The connection goes to the checked address, whatever a second DNS answer would say.
  const pinned: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as never as (e: null, a: unknown[]) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const done = (r: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: elapsed() });
    };
    const req = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'chainflow-webhooks/1',
        },
      },
      (res) => {
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > MAX_RESPONSE_BYTES) res.destroy();
        });
        const finish = () =>
          done({
            statusCode: res.statusCode,
            retryAfterMs: parseRetryAfter(res.headers['retry-after'], Date.now()),
            ...(res.statusCode && res.statusCode >= 300 ? { error: `HTTP ${res.statusCode}` } : {}),
          });
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => done({ error: err.message || String(err) }));
    req.end(body);
  });
}
