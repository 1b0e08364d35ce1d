import { describe, expect, it } from 'vitest';
import { assertSigningConfig, loadConfig, PUBLISHED_DEV_API_KEY } from './env.js';

const base = { DATABASE_URL: 'postgresql://localhost/x' };
const cosigner = {
  COSIGNER_URL: 'https://cosigner.internal:7400',
  COSIGNER_CALLER_ID: 'api',
  COSIGNER_CALLER_KEY: '11'.repeat(32),
  COSIGNER_PUBLIC_KEY: '22'.repeat(32),
};
const prod = { ...base, ...cosigner, NODE_ENV: 'production' };

describe('loadConfig: the dev key and the faucet outside production only', () => {
  it('refuses to start in production with the published dev key', () => {
    expect(() => loadConfig({ ...prod, DEV_API_KEY: PUBLISHED_DEV_API_KEY })).toThrow(/published dev key/);
  });

  it('refuses to start in production with WEBHOOK_ALLOW_PRIVATE=true (the SSRF guard off)', () => {
    expect(() => loadConfig({ ...prod, WEBHOOK_ALLOW_PRIVATE: 'true' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE=true .*refusing to start with NODE_ENV=production/,
    );
    expect(loadConfig(prod).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(loadConfig({ ...base, WEBHOOK_ALLOW_PRIVATE: 'true' }).WEBHOOK_ALLOW_PRIVATE).toBe(true);
  });

  it('in production, no DEV_API_KEY is seeded and the faucet is off whatever the environment says', () => {
    const c = loadConfig({
      ...prod,
      DEV_API_KEY: 'cfsk_my_own_key_0123',
      ENABLE_DEV_FAUCET: 'true',
    });
    expect(c.DEV_API_KEY).toBeUndefined();
    expect(c.ENABLE_DEV_FAUCET).toBe(false);
  });

  it('outside production both work as configured (the dev stack)', () => {
    const c = loadConfig({ ...base, DEV_API_KEY: PUBLISHED_DEV_API_KEY, ENABLE_DEV_FAUCET: 'true' });
    expect(c.DEV_API_KEY).toBe(PUBLISHED_DEV_API_KEY);
    expect(c.ENABLE_DEV_FAUCET).toBe(true);
    expect(c.NODE_ENV).toBe('development');
  });
});

describe('loadConfig: the co-signer', () => {
  it('is required in production by the processes that sign (server wallets never keep both parties in one process)', () => {
    const noCosigner = loadConfig({ ...base, NODE_ENV: 'production' });
    expect(() => assertSigningConfig(noCosigner)).toThrow(/COSIGNER_URL is required/);
    expect(() => assertSigningConfig(loadConfig(prod))).not.toThrow();
    expect(() => assertSigningConfig(loadConfig(base))).not.toThrow();
  });

  it('needs the caller credentials and the co-signer key with its URL', () => {
    expect(() => loadConfig({ ...base, COSIGNER_URL: cosigner.COSIGNER_URL })).toThrow(/COSIGNER_CALLER_ID/);
    expect(loadConfig(base).COSIGNER_URL).toBeUndefined();
  });
});

describe('loadConfig: TRUST_PROXY', () => {
  it('takes a hop count or addresses, never true (any client would choose its own IP)', () => {
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback' }).TRUST_PROXY).toBe('loopback');
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });
});

describe('loadConfig: broadcast time limits', () => {
  it('defaults to 90 s per try and 30 min in all', () => {
    const c = loadConfig(base);
    expect(c.BROADCAST_TRY_TIMEOUT_MS).toBe(90_000);
    expect(c.BROADCAST_TOTAL_TIMEOUT_MS).toBe(1_800_000);
  });

  it('takes both from the environment and refuses a total shorter than one try', () => {
    const c = loadConfig({ ...base, BROADCAST_TRY_TIMEOUT_MS: '3000', BROADCAST_TOTAL_TIMEOUT_MS: '3000' });
    expect([c.BROADCAST_TRY_TIMEOUT_MS, c.BROADCAST_TOTAL_TIMEOUT_MS]).toEqual([3000, 3000]);
    expect(() => loadConfig({ ...base, BROADCAST_TRY_TIMEOUT_MS: '5000', BROADCAST_TOTAL_TIMEOUT_MS: '4000' })).toThrow(
      /BROADCAST_TOTAL_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ ...base, BROADCAST_TRY_TIMEOUT_MS: 'soon' })).toThrow(/BROADCAST_TRY_TIMEOUT_MS/);
  });
});
