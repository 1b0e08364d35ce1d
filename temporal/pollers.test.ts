import { describe, expect, it } from 'vitest';
import { freshPollers, POLLER_FRESH_MS } from './pollers.js';

// As @temporalio/proto decodes it: seconds as a Long.
const at = (ms: number) => ({ seconds: { toNumber: () => Math.floor(ms / 1000) }, nanos: (ms % 1000) * 1e6 });

describe('freshPollers', () => {
  const now = Date.parse('2026-12-08T01:00:00Z');
  it('keeps a poller seen within the long-poll window and drops one Temporal still lists after it died', () => {
    const live = { identity: 'live', lastAccessTime: at(now - 59_000) };
    const dead = { identity: 'dead', lastAccessTime: at(now - POLLER_FRESH_MS - 1_000) };
    expect(freshPollers([live, dead], now).map((p) => p.identity)).toEqual(['live']);
  });
  it('a poller without an access time, or no pollers at all, is no worker', () => {
    expect(freshPollers([{ identity: 'x', lastAccessTime: null }], now)).toEqual([]);
    expect(freshPollers(undefined, now)).toEqual([]);
  });
  it('reads plain-number seconds too', () => {
    expect(freshPollers([{ lastAccessTime: { seconds: (now - 1000) / 1000, nanos: 0 } }], now)).toHaveLength(1);
  });
});
