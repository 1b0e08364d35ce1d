/**
 * The endpoint pool against real local HTTP servers (one per "node"), each scriptable: healthy, refusing
 * connections, answering 500, rejecting with a JSON-RPC error, saying "already known", or never answering.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BaseError, errorText } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import { freePort } from '../../scripts/stack/ports.js';
import { EndpointPool, endpointLabel } from './endpoints.js';

type Mode = 'ok' | 'down' | 'http500' | 'reject' | 'known' | 'hang';

interface Node {
  url: string;
  mode: Mode;
  head: number;
  /** Requests by method that reached the server. */
  hits: Record<string, number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const nodes: Node[] = [];

async function node(head = 100, mode: Mode = 'ok'): Promise<Node> {
  const port = await freePort();
  let server: Server | undefined;
  const n: Node = {
    url: `http://127.0.0.1:${port}`,
    mode,
    head,
    hits: {},
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const { method } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method: string };
          n.hits[method] = (n.hits[method] ?? 0) + 1;
          const json = (body: unknown, status = 200) =>
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          if (n.mode === 'hang') return;
          if (n.mode === 'http500') return json({ error: 'overloaded' }, 500);
          if (method === 'head') return json({ result: n.head });
          if (n.mode === 'reject') return json({ error: 'nonce too low' });
          if (n.mode === 'known') return json({ error: 'already known' });
          return json({ result: `${method}@${port}` });
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
        server = undefined;
      }),
  };
  if (mode !== 'down') await n.start();
  nodes.push(n);
  return n;
}

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

/** A tiny JSON-RPC client, one per endpoint, as the adapters have. */
function client(url: string) {
  return {
    async call(method: string): Promise<unknown> {
      const res = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ method }),
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await res.json()) as { result?: unknown; error?: string };
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${body.error}`);
      if (body.error) throw new Error(`node error: ${body.error}`);
      return body.result;
    },
  };
}

/** The shape of a family classifier: transport trouble retryable, "already known" done, other answers terminal. */
function classify(err: unknown): BaseError {
  if (err instanceof BaseError) return err;
  const text = errorText(err);
  if (/already known/.test(text)) return new BaseError('already known', { id: 'already_known', kind: 'already_done' });
  if (/node error/.test(text)) return new BaseError('rejected', { id: ErrorId.NonceConflict, kind: 'terminal' });
  return new BaseError('unreachable', { id: ErrorId.RpcFailed, kind: 'retryable', cause: err, details: text });
}

function poolOf(list: Node[], opts: { now?: () => number; maxHeadLag?: number; headTimeoutMs?: number } = {}) {
  return new EndpointPool(
    list.map((n) => ({ url: n.url, client: client(n.url) })),
    {
      network: 'testnet',
      classify,
      maxHeadLag: opts.maxHeadLag ?? 5,
      failureThreshold: 3,
      cooldownMs: 10_000,
      headTimeoutMs: opts.headTimeoutMs ?? 500,
      now: opts.now,
    },
  );
}

const whoAnswered = (answer: unknown) => String(answer).split('@')[1];
const portOf = (n: Node) => new URL(n.url).port;

describe('read', () => {
  it('answers from the first endpoint while it is healthy', async () => {
    const [a, b] = [await node(), await node()];
    const pool = poolOf([a!, b!]);
    expect(whoAnswered(await pool.read((c) => c.call('get')))).toBe(portOf(a!));
    expect(b!.hits.get).toBeUndefined();
  });

  it('rotates to the next endpoint when one refuses connections, answers 500 or never answers', async () => {
    for (const mode of ['down', 'http500', 'hang'] as const) {
      const [a, b] = [await node(100, mode), await node()];
      const pool = poolOf([a!, b!]);
      expect(whoAnswered(await pool.read((c) => c.call('get'))), mode).toBe(portOf(b!));
      expect(pool.snapshot()[0]!.consecutiveFailures, mode).toBe(1);
    }
  });

  it('does not rotate on a definitive rejection: the node answered, the next one is never asked', async () => {
    const [a, b] = [await node(100, 'reject'), await node()];
    const pool = poolOf([a!, b!]);
    await expect(pool.read((c) => c.call('send'))).rejects.toThrow(/nonce too low/);
    expect(b!.hits.send).toBeUndefined();
    expect(pool.snapshot()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('throws the last error when every endpoint fails', async () => {
    const pool = poolOf([await node(100, 'down'), await node(100, 'http500')]);
    const err = await pool.read((c) => c.call('get')).catch((e: unknown) => e);
    expect(classify(err)).toMatchObject({ kind: 'retryable' });
    expect(errorText(err)).toMatch(/HTTP 500/);
  });

  it('tries a failing endpoint after a healthy one (health score)', async () => {
    const [a, b] = [await node(), await node()];
    const pool = poolOf([a!, b!]);
    a!.mode = 'http500';
    await pool.read((c) => c.call('get')); // a fails once, b answers
    a!.mode = 'ok';
    expect(whoAnswered(await pool.read((c) => c.call('get')))).toBe(portOf(b!));
    expect(pool.snapshot()[0]!.score).toBeLessThan(pool.snapshot()[1]!.score);
  });
});

/** Three broadcasts reach every usable endpoint: a failing one fails three times in a row. */
async function failThreeTimes(pool: EndpointPool<ReturnType<typeof client>>) {
  for (let i = 0; i < 3; i++) await pool.broadcastAll((c) => c.call('ping')).catch(() => undefined);
}

describe('circuit breaker', () => {
  it('opens after 3 consecutive failures, skips the endpoint, half-opens after the cool-down, closes on success', async () => {
    let now = 1_000_000;
    const [a, b] = [await node(100, 'http500'), await node()];
    const pool = poolOf([a!, b!], { now: () => now });
    await failThreeTimes(pool);
    expect(pool.snapshot()[0]).toMatchObject({ state: 'open', consecutiveFailures: 3 });
    expect(pool.snapshot()[1]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

    a!.mode = 'ok';
    await pool.read((c) => c.call('get'));
    await pool.broadcastAll((c) => c.call('send'));
    expect(a!.hits.get).toBeUndefined(); // not asked while open
    expect(a!.hits.send).toBeUndefined();

    now += 10_000;
    expect(pool.snapshot()[0]!.state).toBe('half-open');
    // b has the better score, so a's trial comes from a read that b cannot serve
    b!.mode = 'http500';
    expect(whoAnswered(await pool.read((c) => c.call('get')))).toBe(portOf(a!));
    expect(pool.snapshot()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('a failed half-open trial opens the breaker for another full cool-down', async () => {
    let now = 1_000_000;
    const [a, b] = [await node(100, 'down'), await node()];
    const pool = poolOf([a!, b!], { now: () => now });
    await failThreeTimes(pool);
    now += 10_000;
    b!.mode = 'http500';
    await pool.read((c) => c.call('get')).catch(() => undefined); // trial on a fails (and b fails)
    expect(pool.snapshot()[0]!.state).toBe('open');
    now += 9_999;
    expect(pool.snapshot()[0]!.state).toBe('open');
    now += 1;
    expect(pool.snapshot()[0]!.state).toBe('half-open');
  });

  it('when every breaker is open it still tries the endpoint opened longest ago', async () => {
    let now = 1_000_000;
    const [a, b] = [await node(100, 'down'), await node(100, 'down')];
    const pool = poolOf([a!, b!], { now: () => now });
    for (let i = 0; i < 3; i++) {
      await pool.read((c) => c.call('get')).catch(() => undefined);
      now += 1;
    }
    expect(pool.snapshot().map((h) => h.state)).toEqual(['open', 'open']);
    await b!.start();
    b!.mode = 'ok';
    await a!.start();
    a!.mode = 'ok';
    const opened = pool.ordered();
    expect(opened).toHaveLength(1);
    expect(pool.endpoints.map((ep) => pool.usable(ep))).toEqual(pool.endpoints.map((ep) => ep === opened[0]));
    expect(whoAnswered(await pool.read((c) => c.call('get')))).toBe(portOf(nodes[opened[0]!.index]!));
  });
});

describe('broadcastAll', () => {
  it('sends the same request to every healthy endpoint', async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    const pool = poolOf([a!, b!, c!]);
    await pool.broadcastAll((cl) => cl.call('send'));
    expect([a!.hits.send, b!.hits.send, c!.hits.send]).toEqual([1, 1, 1]);
  });

  it('succeeds when one endpoint refuses connections and another accepts', async () => {
    const [a, b] = [await node(100, 'down'), await node()];
    const pool = poolOf([a!, b!]);
    expect(whoAnswered(await pool.broadcastAll((cl) => cl.call('send')))).toBe(portOf(b!));
  });

  it('succeeds when one endpoint refuses the transaction and another accepts it', async () => {
    const [a, b] = [await node(100, 'reject'), await node()];
    const pool = poolOf([a!, b!]);
    expect(whoAnswered(await pool.broadcastAll((cl) => cl.call('send')))).toBe(portOf(b!));
  });

  it('"already known" counts as success when the caller says how to report it', async () => {
    const [a, b] = [await node(100, 'known'), await node(100, 'http500')];
    const pool = poolOf([a!, b!]);
    expect(await pool.broadcastAll((cl) => cl.call('send'), { alreadyDone: () => 'known' })).toBe('known');
  });

  it('every endpoint that received it refused it → that refusal (terminal)', async () => {
    const [a, b] = [await node(100, 'reject'), await node(100, 'down')];
    const err = await poolOf([a!, b!])
      .broadcastAll((cl) => cl.call('send'))
      .catch((e: unknown) => e);
    expect(classify(err)).toMatchObject({ kind: 'terminal', id: ErrorId.NonceConflict });
  });

  it('a refusal next to an unclear outcome (500, timeout) is retryable: the other node may be relaying it', async () => {
    for (const mode of ['http500', 'hang'] as const) {
      const [a, b] = [await node(100, 'reject'), await node(100, mode)];
      const err = await poolOf([a!, b!])
        .broadcastAll((cl) => cl.call('send'))
        .catch((e: unknown) => e);
      expect(err, mode).toBeInstanceOf(BaseError);
      expect(err, mode).toMatchObject({ kind: 'retryable', id: ErrorId.RpcFailed });
    }
  });

  it('skips an endpoint whose breaker is open', async () => {
    const [a, b] = [await node(100, 'down'), await node()];
    const pool = poolOf([a!, b!]);
    await failThreeTimes(pool);
    await a!.start();
    a!.mode = 'ok';
    await pool.broadcastAll((cl) => cl.call('send'));
    expect(a!.hits.send).toBeUndefined();
    expect(b!.hits.send).toBe(1);
  });
});

describe('fresh (head-lag rule for status answers)', () => {
  const headOf = async (c: ReturnType<typeof client>) => Number(await c.call('head'));

  it('answers from a node at the head even when a lagging node ranks first', async () => {
    const [lagging, atHead] = [await node(90), await node(100)];
    const pool = poolOf([lagging!, atHead!]);
    const answer = await pool.fresh(headOf, (c) => c.call('status'));
    expect(whoAnswered(answer)).toBe(portOf(atHead!));
    expect(lagging!.hits.status).toBeUndefined();
    expect(pool.bestHead).toBe(100n);
  });

  it('accepts a node within the configured lag', async () => {
    const [a, b] = [await node(96), await node(100)];
    const answer = await poolOf([a!, b!], { maxHeadLag: 5 }).fresh(headOf, (c) => c.call('status'));
    expect(whoAnswered(answer)).toBe(portOf(a!));
  });

  it('never answers from a lagging node: retryable when the node at the head fails the status read', async () => {
    const [lagging, atHead] = [await node(90), await node(100)];
    const pool = poolOf([lagging!, atHead!]);
    await pool.fresh(headOf, (c) => c.call('status')); // learns the best head 100
    await atHead!.stop(); // the only node at the head goes away
    const err = await pool.fresh(headOf, (c) => c.call('status')).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'retryable', id: ErrorId.RpcFailed });
    expect(String((err as Error).message)).toMatch(/within 5 blocks of the best known head 100/);
    expect(lagging!.hits.status).toBeUndefined();
  });

  it('a lagging node that catches up is trusted again', async () => {
    const [lagging, atHead] = [await node(90), await node(100)];
    const pool = poolOf([lagging!, atHead!]);
    await pool.fresh(headOf, (c) => c.call('status'));
    await atHead!.stop();
    lagging!.head = 101;
    expect(whoAnswered(await pool.fresh(headOf, (c) => c.call('status')))).toBe(portOf(lagging!));
  });

  it('leaves out an endpoint whose head query hangs', async () => {
    const [hung, ok] = [await node(100, 'hang'), await node(100)];
    const answer = await poolOf([hung!, ok!], { headTimeoutMs: 200 }).fresh(headOf, (c) => c.call('status'));
    expect(whoAnswered(answer)).toBe(portOf(ok!));
  });

  it('with a single endpoint there is nothing to compare: no head query, a plain read', async () => {
    const only = await node(100);
    const pool = poolOf([only]);
    expect(whoAnswered(await pool.fresh(headOf, (c) => c.call('status')))).toBe(portOf(only));
    expect(only.hits.head).toBeUndefined();
  });

  it('a definitive answer from the fresh node is thrown, not retried elsewhere', async () => {
    const [a, b] = [await node(100), await node(100)];
    const pool = poolOf([a!, b!]);
    await expect(
      pool.fresh(headOf, async (c) => {
        await c.call('status');
        throw new Error('node error: bad request');
      }),
    ).rejects.toThrow(/bad request/);
    expect(b!.hits.status).toBeUndefined();
  });
});

describe('labels', () => {
  it('never carry credentials, paths or keys', () => {
    expect(endpointLabel('http://user:secret@127.0.0.1:8332/wallet/x?key=k', 0)).toBe('#1 http://127.0.0.1:8332');
    expect(endpointLabel('https://mainnet.infura.io/v3/abcdef', 1)).toBe('#2 https://mainnet.infura.io');
  });
});
