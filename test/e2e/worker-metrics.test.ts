/** The worker process exposes the Temporal SDK's metrics (Prometheus) when TEMPORAL_METRICS_BIND_ADDRESS is set. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let worker: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker?.once('exit', r));
    worker.kill('SIGTERM');
    const force = setTimeout(() => worker?.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  }
  await stack?.close();
});

it('serves temporal_* series on its own port', async () => {
  const port = await freePort();
  // one process (no npx / tsx wrapper), so the signal in afterAll reaches the worker itself
  worker = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    env: {
      ...process.env,
      ...stack.env,
      TEMPORAL_METRICS_BIND_ADDRESS: `127.0.0.1:${port}`,
      WEBHOOK_DISPATCHER: 'false',
    },
    stdio: 'ignore',
  });
  const ofOurQueue = `task_queue="${stack.taskQueue}"`;
  let text = '';
  for (let i = 0; i < 240 && !text.includes(ofOurQueue); i++) {
    await new Promise((r) => setTimeout(r, 500));
    text = await fetch(`http://127.0.0.1:${port}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
  }
  expect(text).toMatch(/^temporal_\w+/m);
  expect(text).toContain(ofOurQueue); // the worker's pollers report under its task queue
});
