/**
 * Fuzzing with schemathesis against a real stack (API, worker, PostgreSQL, Temporal, anvil): it reads
 * GET /openapi.json and generates valid and invalid requests for every operation, once with a server API key and once
 * with a Client Session Token. Asserted: no 5xx, every error `{ id, message }` (the document's Error schema), every
 * response of a documented status and schema. Its report and output stay in $TMPDIR/chainflow-schemathesis/<run>/, out of git.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';

const ST = process.env.SCHEMATHESIS ?? '.tools/venv/bin/st';
const hasSt = existsSync(ST);
if (!hasSt) console.warn(`[openapi-fuzz] ${ST} not found (npm run setup installs schemathesis): skipped`);

/** Examples per operation and run; ~40 operations × 2 runs keeps the total well above 1,000 requests. */
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 8);
/**
 * Checks: all but positive_data_acceptance (a schema cannot say "an address valid on that chain" or "a wallet that
 * exists": schema-valid random data is rightly refused with 400/404/409) and the stateful-only ones (no links).
 */
const EXCLUDED = ['positive_data_acceptance', 'use_after_free', 'ensure_resource_availability'];

let stack: TestStack;
let cst: string;

beforeAll(async () => {
  if (!hasSt) return;
  stack = await startTestStack({ env: { WEBHOOK_ALLOW_PRIVATE: 'false' } });
  const c = await stack.call<{ clientSessionToken: string }>('POST', '/api/v1/custodians/clients', {});
  cst = c.body.clientSessionToken;
});
afterAll(async () => {
  await stack?.close();
});

interface Outcome {
  requests: number;
  serverErrors: number;
  failures: number;
  output: string;
}

async function fuzz(name: string, token: string): Promise<Outcome> {
  const dir = join(tmpdir(), 'chainflow-schemathesis', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = [
    '--config-file',
    'test/e2e/schemathesis.toml',
    'run',
    `${stack.url}/openapi.json`,
    '--url',
    stack.url,
    '-H',
    `Authorization: Bearer ${token}`,
    '--checks',
    'all',
    '--exclude-checks',
    EXCLUDED.join(','),
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    '1',
    // key generation (POST /v1/generate) takes seconds of CPU on a busy machine
    '--request-timeout',
    '60',
    // no timing assertion on a shared CI machine (bench/ measures latency)
    '--max-response-time',
    '60',
    // One worker: with two, CPython 3.11's ast.parse (hypothesis describing its filters) raced and schemathesis
    // reported its own SystemError as an error of the run.
    '--workers',
    '1',
    '--no-color',
    '--report',
    'ndjson',
    '--report-dir',
    dir,
    // each new userId is an MPC key generation (seconds of CPU): GET/sign of wallets are fuzzed, creation is not
    '--exclude-path',
    '/api/wallets',
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(ST, args, { env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  writeFileSync(join(dir, 'output.txt'), output);
  const { requests, serverErrors } = countResponses(dir);
  // The closing line: "==== N failures, M errors, K warnings in S s ====" (no line: the run did not finish).
  const summary = /^=+ (.*) in [\d.]+s =+$/m.exec(output)?.[1];
  const count = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(summary ?? '')?.[1] ?? 0);
  const failures = summary === undefined ? Number.NaN : count('failure') + count('error');
  console.log(
    `[openapi-fuzz] ${name}: ${requests} requests, ${serverErrors} responses 5xx, ${failures} failures (${dir}/output.txt)`,
  );
  return { requests, serverErrors, failures, output };
}

/** Counts the responses in schemathesis' NDJSON event log. */
function countResponses(dir: string): { requests: number; serverErrors: number } {
  let requests = 0;
  let serverErrors = 0;
  const file = readdirSync(dir).find((f) => f.endsWith('.ndjson'));
  if (!file) return { requests, serverErrors };
  const text = readFileSync(join(dir, file), 'utf8');
  for (const m of text.matchAll(/"status_code":\s*(\d{3})/g)) {
    requests++;
    if (Number(m[1]) >= 500) serverErrors++;
  }
  return { requests, serverErrors };
}

describe.skipIf(!hasSt)('schemathesis against the running stack', () => {
  const totals = { requests: 0, serverErrors: 0, failures: 0 };

  it.each([
    ['server-key', () => stack.apiKey],
    ['client-session', () => cst],
  ])(
    '%s: no 5xx, every response as documented',
    async (name, token) => {
      const r = await fuzz(name, token());
      totals.requests += r.requests;
      totals.serverErrors += r.serverErrors;
      totals.failures += r.failures;
      expect(r.requests, r.output.slice(-4000)).toBeGreaterThan(400);
      expect(r.serverErrors, r.output.slice(-8000)).toBe(0);
      expect(r.failures, r.output.slice(-8000)).toBe(0);
    },
    300_000,
  );

  it('sent at least 1,000 requests in all', () => {
    console.log(
      `[openapi-fuzz] total: ${totals.requests} requests, ${totals.serverErrors} responses 5xx, ${totals.failures} failures`,
    );
    expect(totals.requests).toBeGreaterThanOrEqual(1000);
  });
});
