import { describe, expect, it } from 'vitest';
import { transferWorkflowId } from './submit.js';

describe('transferWorkflowId', () => {
  it('never lets two (tenant, scope, key) triples meet, however the parts contain separators', () => {
    const triples: [string, string, string][] = [
      ['a', 'server', 'b-1'],
      ['a-b', 'server', '1'],
      ['a', 'server-b', '1'],
      ['a', 'client:c1', 'k'],
      ['a', 'client:c2', 'k'],
      ['a', '', 'serverk'],
    ];
    const ids = triples.map(([t, s, k]) => transferWorkflowId(t, s, k));
    expect(new Set(ids).size).toBe(triples.length);
    expect(transferWorkflowId('a', 'server', 'b-1')).toBe(transferWorkflowId('a', 'server', 'b-1'));
    expect(ids[0]).toMatch(/^transfer-[0-9a-f]{64}$/);
  });
});
