/**
 * The co-signer's HTTP front: `POST /v1/<op>` (api.ts) with a signed request from an allowed caller, answered with
 * a signed response; `GET /health` (no auth, up/down only). Errors are `{ id, message }` and never carry secrets.
 */

import type { KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BaseError, isBaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import { MpcError } from '../mpc/errors.js';
import { COSIGNER_OPS, type CosignerOp } from './api.js';
import { HEADER, RequestVerifier, signResponse } from './auth.js';
import type { LocalCosigner } from './local.js';

/** Key generation messages carry range proofs (≈ 0.5 MB); nothing legitimate is near this. */
const MAX_BODY = 4 * 1024 * 1024;

export interface CosignerServerOptions {
  party: LocalCosigner;
  callers: ReadonlyMap<string, KeyObject>;
  /** Signs every response. */
  signingKey: KeyObject;
  host?: string;
  port?: number;
  tls?: { cert: string; key: string };
  /** Audit hook for refused requests (never given the body). */
  onRefused?: (info: { reason: string; caller: string | undefined; path: string }) => void;
}

function statusOf(err: unknown): { status: number; id: string; message: string } {
  if (err instanceof MpcError) return { status: 400, id: err.id, message: err.shortMessage };
  if (isBaseError(err)) {
    const status =
      err.id === ErrorId.WalletNotFound
        ? 404
        : err.id === ErrorId.CosignerShareExists
          ? 409
          : err.id === ErrorId.CosignerBusy
            ? 503
            : err.kind === 'retryable'
              ? 503
              : 400;
    return { status, id: err.id, message: err.shortMessage };
  }
  return { status: 500, id: ErrorId.Internal, message: 'Internal error' };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BaseError('Request body too large', { id: ErrorId.BadRequest });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface RunningCosigner {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startCosignerServer(opts: CosignerServerOptions): Promise<RunningCosigner> {
  const verifier = new RequestVerifier(opts.callers);
  const ops = new Set<string>(COSIGNER_OPS);

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const nonce = String(req.headers[HEADER.nonce] ?? '');
    const send = (status: number, payload: unknown, close = false) => {
      const body = payload === undefined ? '' : JSON.stringify(payload);
      res.writeHead(status, {
        'content-type': 'application/json',
        [HEADER.signature]: signResponse(opts.signingKey, nonce, status, body),
        // The rest of a refused body is not read: the connection cannot be reused.
        ...(close ? { connection: 'close' } : {}),
      });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method === 'GET' && path === '/health') return send(200, { status: 'ok' });
    const op = path.startsWith('/v1/') ? path.slice(4) : '';
    if (req.method !== 'POST' || !ops.has(op)) return send(404, { id: ErrorId.NotFound, message: 'Not found' });
    let body: string;
    try {
      body = await readBody(req);
    } catch (err) {
      return send(413, { id: ErrorId.BadRequest, message: statusOf(err).message }, true);
    }
    const headers = Object.fromEntries(
      Object.values(HEADER).map((h) => [
        h,
        typeof req.headers[h] === 'string' ? (req.headers[h] as string) : undefined,
      ]),
    );
    const checked = verifier.check({ method: 'POST', path }, headers, body);
    if (!checked.ok) {
      opts.onRefused?.({ reason: checked.reason, caller: headers[HEADER.caller], path });
      return send(401, { id: ErrorId.CosignerUnauthorized, message: `Request refused: ${checked.reason}` });
    }
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      return send(400, { id: ErrorId.BadRequest, message: 'Body must be JSON' });
    }
    try {
      const party = opts.party as unknown as Record<CosignerOp, (r: unknown, ctx: unknown) => Promise<unknown>>;
      const out = await party[op as CosignerOp].call(opts.party, input, { caller: checked.caller });
      return send(200, out ?? {});
    } catch (err) {
      const e = statusOf(err);
      return send(e.status, { id: e.id, message: e.message });
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server = opts.tls ? createHttpsServer(opts.tls, listener) : createHttpServer(listener);
  // Callers keep connections open between the rounds of a key generation, which can be seconds apart.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
