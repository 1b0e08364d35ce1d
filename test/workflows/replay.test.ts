/**
 * Replays a committed workflow history against the current workflow code: a non-deterministic change to
 * workflows/ fails here. Regenerate after an intentional change with
 *   RECORD_HISTORY=1 npx vitest run test/workflows/transfer.workflow.test.ts
 * (and version the change with patched() if running workflows must survive it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/stack.js';

describe('workflow replay', () => {
  // transfer-happy.json was recorded before the `merged-attempt` patch (seven activities before acceptance):
  // running transfers of that shape must keep replaying. transfer-happy-merged.json is the current shape.
  // Every recorded path (RECORD_HISTORY=1 in transfer.workflow.test.ts): happy, preflight failure, re-sign after a
  // proof, reorg, revert, three expiries.
  const fixtures = readdirSync(new URL('../fixtures/histories/', import.meta.url)).filter((f) => f.endsWith('.json'));
  it('has a fixture for every recorded path', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(7);
  });
  it.each(fixtures)('replays the committed transfer history %s deterministically', async (file) => {
    const history = JSON.parse(readFileSync(new URL(`../fixtures/histories/${file}`, import.meta.url), 'utf8'));
    expect(history.events.length).toBeGreaterThan(8);
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
  });

  it('the pre-patch history still takes the seven-activity path, the current one the merged path', () => {
    const names = (file: string) =>
      (
        JSON.parse(readFileSync(new URL(`../fixtures/histories/${file}`, import.meta.url), 'utf8')) as {
          events: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
        }
      ).events
        .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
        .filter(Boolean);
    expect(names('transfer-happy.json').slice(0, 6)).toEqual([
      'preflight',
      'reserve',
      'build',
      'sign',
      'storeSigned',
      'broadcast',
    ]);
    expect(names('transfer-happy-merged.json').slice(0, 2)).toEqual(['prepareAttempt', 'broadcastAndRecord']);
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
