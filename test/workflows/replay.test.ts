/**
 * Replays a committed workflow history against the current workflow code: a non-deterministic change to
 * workflows/ fails here. Regenerate after an intentional change with
 *   RECORD_HISTORY=1 npx vitest run test/workflows/transfer.workflow.test.ts
 * (and version the change with patched() if running workflows must survive it).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/stack.js';

describe('workflow replay', () => {
  it('replays the committed transfer history deterministically', async () => {
    const history = JSON.parse(
      readFileSync(new URL('../fixtures/histories/transfer-happy.json', import.meta.url), 'utf8'),
    );
    expect(history.events.length).toBeGreaterThan(20);
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
  });

  it('fails on a non-deterministic change to the workflow', async () => {
    const history = JSON.parse(
      readFileSync(new URL('../fixtures/histories/transfer-happy.json', import.meta.url), 'utf8'),
    );
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./changed-workflow.ts', import.meta.url)),
      logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never,
    });
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, history)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
