/**
 * A scriptable HTTP proxy in front of a real node or test peer, for fault drills: per request it forwards,
 * forwards and then drops the answer (the node acted, the caller never hears: a lost answer), forwards and holds
 * the answer (a node that acts but never answers in time), or answers
 * itself from a stale view (a lagging node behind a load balancer). JSON-RPC answers get the request's id.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from '../../scripts/stack/ports.js';

export interface ProxiedCall {
  path: string;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: { method?: string; params?: unknown; id?: unknown } & Record<string, unknown>;
  /** Raw body text, to look for a transaction hash anywhere in it. */
  text: string;
}

export type ProxyAction =
  | { kind: 'forward'; transform?: (answer: unknown) => unknown }
  /** The node receives and acts on the request; the caller's connection is cut before the answer. */
  | { kind: 'forward-drop' }
  /** The node receives and acts on the request; the answer is held back (the caller waits until it gives up). */
  | { kind: 'forward-hold' }
  /** Answer without asking the node (JSON-RPC: `{ result }` or `{ error }`, the id is filled in). */
  | { kind: 'respond'; body: unknown; status?: number };

export type ProxyRule = (call: ProxiedCall) => ProxyAction | undefined;

export interface HttpProxy {
  url: string;
  /** The rule for every next request; undefined (or a rule answering undefined) forwards. */
  setRule(rule: ProxyRule | undefined): void;
  close(): Promise<void>;
}

export async function startHttpProxy(upstream: string): Promise<HttpProxy> {
  const port = await freePort();
  let rule: ProxyRule | undefined;
  const target = upstream.replace(/\/$/, '');

  const forward = async (req: IncomingMessage, text: string) =>
    fetch(`${target}${req.url ?? '/'}`, {
      method: req.method,
      headers: {
        'content-type': req.headers['content-type'] ?? 'application/json',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      },
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: text }),
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: ProxiedCall['body'] = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {};
    }
    const action = rule?.({ path: req.url ?? '/', body, text }) ?? { kind: 'forward' };
    if (action.kind === 'respond') {
      const out =
        body.jsonrpc && action.body && typeof action.body === 'object'
          ? { jsonrpc: '2.0', id: body.id ?? null, ...(action.body as object) }
          : action.body;
      res.writeHead(action.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      return;
    }
    const answer = await forward(req, text);
    const answerText = await answer.text();
    if (action.kind === 'forward-drop') {
      res.socket?.destroy();
      return;
    }
    if (action.kind === 'forward-hold') return; // cut by the caller, or by close()
    let outText = answerText;
    if (action.transform) {
      try {
        outText = JSON.stringify(action.transform(JSON.parse(answerText)));
      } catch {
        outText = answerText;
      }
    }
    res
      .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
      .end(outText);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    setRule(next) {
      rule = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A proxy that forwards everything and records each call in `calls` (a later `setRule` replaces the recording). */
export async function startRecordingProxy(upstream: string): Promise<HttpProxy & { calls: ProxiedCall[] }> {
  const p = await startHttpProxy(upstream);
  const calls: ProxiedCall[] = [];
  p.setRule((call) => {
    calls.push(call);
    return undefined;
  });
  return Object.assign(p, { calls });
}
