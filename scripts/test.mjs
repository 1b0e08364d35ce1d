#!/usr/bin/env node
/**
 * npm test: two vitest processes side by side.
 *  - the signer's protocol tests (signer/*.test.ts, signer/mpc/*.test.ts): pure CPU, no stack, one file at a time;
 *  - everything else on the one shared stack (test/global-setup.ts), one file at a time (vitest.config.ts).
 * On a 2-core machine the stack's files mostly wait on blocks, polls and Temporal, so the protocol tests' ≈ 4 minutes
 * of arithmetic run on the other core instead of after them. Arguments are passed to both (a file filter that matches
 * nothing in one of them is not a failure there). `npx vitest run <file>` still runs any single file.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PROTOCOL_TESTS = ['signer/*.test.ts', 'signer/mpc/*.test.ts'];
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const extra = process.argv.slice(2);

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', '--passWithNoTests', ...args, ...extra], {
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const [protocol, stack] = await Promise.all([
  run(['--config', 'vitest.protocol.config.ts']),
  run(PROTOCOL_TESTS.flatMap((glob) => ['--exclude', glob])),
]);
console.log(`\nnpm test: protocol tests exit ${protocol}, stack tests exit ${stack}`);
process.exit(protocol || stack);
