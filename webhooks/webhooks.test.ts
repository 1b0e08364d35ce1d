import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/env.js';
import { transitionEventType } from './events.js';
import { webhookOptions } from './options.js';
import { classifyAttempt, nextDelay, parseRetryAfter, parseSchedule } from './schedule.js';
import { isPublicAddress, parseWebhookUrl } from './url-guard.js';

describe('event types from status changes', () => {
  it('maps each transition, reorg included; same status or pending → signed is no event', () => {
    expect(transitionEventType('signed', 'submitted')).toBe('transfer.submitted');
    expect(transitionEventType('submitted', 'confirmed')).toBe('transfer.confirmed');
    expect(transitionEventType('confirmed', 'submitted')).toBe('transfer.reorged');
    expect(transitionEventType('submitted', 'finalized')).toBe('transfer.finalized');
    expect(transitionEventType('pending', 'failed')).toBe('transfer.failed');
    expect(transitionEventType('submitted', 'replaced')).toBe('transfer.replaced');
    expect(transitionEventType('confirmed', 'confirmed')).toBeUndefined();
    expect(transitionEventType('pending', 'signed')).toBeUndefined();
  });
});

describe('delivery time limit', () => {
  it('is 10 s by default and set by WEBHOOK_TIMEOUT_MS', () => {
    const base = { DATABASE_URL: 'postgresql://localhost/x' };
    expect(webhookOptions(loadConfig(base)).timeoutMs).toBe(10_000);
    expect(webhookOptions(loadConfig({ ...base, WEBHOOK_TIMEOUT_MS: '2500' })).timeoutMs).toBe(2500);
    expect(() => loadConfig({ ...base, WEBHOOK_TIMEOUT_MS: '0' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });
});

describe('retry policy', () => {
  it('retries timeouts, network errors, 408, 429, 5xx and 3xx; 410 is gone; other 4xx are final', () => {
    expect(classifyAttempt({ durationMs: 1, error: 'ECONNREFUSED' })).toBe('retry');
    for (const code of [408, 429, 500, 502, 503, 504, 302])
      expect(classifyAttempt({ durationMs: 1, statusCode: code })).toBe('retry');
    expect(classifyAttempt({ durationMs: 1, statusCode: 410 })).toBe('gone');
    for (const code of [400, 401, 403, 404, 422])
      expect(classifyAttempt({ durationMs: 1, statusCode: code })).toBe('final');
    expect(classifyAttempt({ durationMs: 1, statusCode: 204 })).toBe('delivered');
  });

  it("the default schedule is Svix's (≈ 27 h over 8 attempts); Retry-After can only delay", () => {
    const s = parseSchedule('0,5s,5m,30m,2h,5h,10h,10h');
    expect(s).toHaveLength(8);
    expect(s.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(27.59, 1);
    expect(nextDelay(s, 1)).toBe(5000);
    expect(nextDelay(s, 1, 60_000)).toBe(60_000);
    expect(nextDelay(s, 1, 10)).toBe(5000);
    expect(nextDelay(s, 8)).toBeUndefined();
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(30_000).toUTCString(), 0)).toBe(30_000);
    expect(parseRetryAfter('999999999', 0)).toBe(24 * 3_600_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('SSRF guard', () => {
  it('public addresses only; mapped and NAT64 forms judged by the IPv4 inside', () => {
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.100.100.100',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::7f00:1',
      'fd12::1',
      'fe80::1',
      'ff02::1',
      'not-an-ip',
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it('https only (http with WEBHOOK_ALLOW_PRIVATE), no credentials in the URL', () => {
    expect(() => parseWebhookUrl('http://example.com/x', { allowPrivate: false })).toThrow(/https/);
    expect(parseWebhookUrl('http://127.0.0.1:1/x', { allowPrivate: true }).port).toBe('1');
    expect(() => parseWebhookUrl('ftp://example.com/x', { allowPrivate: true })).toThrow();
    expect(() => parseWebhookUrl('https://a:b@example.com/x', { allowPrivate: false })).toThrow(/credentials/);
  });
});
