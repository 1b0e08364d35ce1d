/**
 * The main service's side of the co-signer channel: every `Cosigner` call as a signed `POST /v1/<op>`, every
 * answer checked against the co-signer's public key (and bound to the request's nonce) before it is used.
 * Transport failures are `cosigner_unavailable` (retryable); an unsigned or forged answer is refused.
 */

import type { KeyObject } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Curve } from '../../chains/types.js';
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import { MpcError, MpcErrorId } from '../mpc/errors.js';
import type { Cosigner, CosignerOp, SessionReply, SessionStart, SessionStep, ShareRef } from './api.js';
import { HEADER, signRequest, verifyResponse } from './auth.js';

export interface CosignerClientOptions {
  url: string;
  callerId: string;
  callerKey: KeyObject;
  /** The co-signer's response-signing public key. */
  cosignerKey: KeyObject;
  /** PEM CA for an https co-signer with a private CA. */
  ca?: string;
  timeoutMs?: number;
}

const MPC_IDS = new Set<string>(Object.values(MpcErrorId));

class StaleSocket extends Error {}

function unavailable(message: string, cause?: unknown): BaseError {
  return new BaseError(message, { id: ErrorId.CosignerUnavailable, kind: 'retryable', cause });
}

export class CosignerClient implements Cosigner {
  private readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(private readonly opts: CosignerClientOptions) {
    this.base = new URL(opts.url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:')
      throw new Error('COSIGNER_URL must be http(s)://');
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) })
        : new HttpAgent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  private async call<T>(op: CosignerOp, input: unknown): Promise<T> {
    try {
      return await this.once<T>(op, input);
    } catch (err) {
      // The server closed an idle keep-alive connection just as it was reused: the request never reached it (Node's
      // documented race), so it is sent again once, on a new connection, with a new signature and nonce.
      if (!(err instanceof StaleSocket)) throw err;
      return this.once<T>(op, input);
    }
  }

  private once<T>(op: CosignerOp, input: unknown): Promise<T> {
    const path = `/v1/${op}`;
    const body = JSON.stringify(input);
    const headers = signRequest(this.opts.callerKey, { method: 'POST', path, caller: this.opts.callerId }, body);
    const nonce = headers[HEADER.nonce] as string;
    const send = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      let responded = false;
      const req = send(
        new URL(path, this.base),
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: this.opts.timeoutMs ?? 30_000,
        },
        (res) => {
          responded = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(unavailable('The co-signer connection failed', err)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            const signature = res.headers[HEADER.signature];
            if (
              !verifyResponse(
                this.opts.cosignerKey,
                nonce,
                status,
                text,
                typeof signature === 'string' ? signature : null,
              )
            )
              return reject(
                new BaseError('The co-signer answer is not signed by the configured co-signer key', {
                  id: ErrorId.CosignerUnauthorized,
                  kind: 'terminal',
                }),
              );
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              return reject(unavailable('The co-signer answered malformed JSON'));
            }
            if (status === 200) return resolve(parsed as T);
            const { id, message } = (parsed ?? {}) as { id?: string; message?: string };
            const msg = String(message ?? `co-signer answered ${status}`);
            if (id && MPC_IDS.has(id)) return reject(new MpcError(id as MpcErrorId, msg));
            reject(
              new BaseError(`Co-signer: ${msg}`, {
                id: id ?? ErrorId.CosignerUnavailable,
                kind: status === 503 || status >= 500 ? 'retryable' : 'terminal',
              }),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(unavailable('The co-signer did not answer in time')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && !responded && (err.code === 'ECONNRESET' || err.message === 'socket hang up'))
          return reject(new StaleSocket());
        reject(err instanceof BaseError ? err : unavailable('The co-signer could not be reached', err));
      });
      req.end(body);
    });
  }

  sessionStart(req: SessionStart): Promise<SessionReply> {
    return this.call('sessionStart', req);
  }
  sessionStep(req: SessionStep): Promise<SessionReply> {
    return this.call('sessionStep', req);
  }
  async confirm(req: ShareRef & { publicKey: string }): Promise<void> {
    await this.call('confirm', req);
  }
  ecdsaPresign1(req: ShareRef & { msg: unknown }): Promise<{ msg: unknown }> {
    return this.call('ecdsaPresign1', req);
  }
  async ecdsaPresign2(req: ShareRef & { msg: unknown }): Promise<void> {
    await this.call('ecdsaPresign2', req);
  }
  ecdsaPartial(req: ShareRef & { sessionId: string; digest: string }): Promise<{ msg: unknown }> {
    return this.call('ecdsaPartial', req);
  }
  frostCommit(req: ShareRef & { sessionId: string }): Promise<{ msg: unknown }> {
    return this.call('frostCommit', req);
  }
  frostSign(req: ShareRef & { sessionId: string; commitments: unknown[]; message: string }): Promise<{ msg: unknown }> {
    return this.call('frostSign', req);
  }
  activeVersion(req: { walletId: string; curve: Curve }): Promise<{ version: number | null }> {
    return this.call('activeVersion', req);
  }
}
