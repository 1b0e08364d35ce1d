import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporalConnectionOptions } from './connection.js';

const address = 'temporal.internal:7233';

function files(): Record<'cert' | 'key' | 'ca', string> {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-tls-'));
  const out = { cert: join(dir, 'client.pem'), key: join(dir, 'client.key'), ca: join(dir, 'ca.pem') };
  writeFileSync(out.cert, 'CERT');
  writeFileSync(out.key, 'KEY');
  writeFileSync(out.ca, 'CA');
  return out;
}

describe('temporalConnectionOptions', () => {
  it('plaintext by default (a private network), address only', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: address })).toEqual({ address });
  });

  it('mTLS: client certificate pair and CA read from the files, server name override', () => {
    const f = files();
    const opts = temporalConnectionOptions({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CERT: f.cert,
      TEMPORAL_TLS_KEY: f.key,
      TEMPORAL_TLS_CA: f.ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    });
    expect(opts).toEqual({
      address,
      tls: {
        clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
        serverRootCACertificate: Buffer.from('CA'),
        serverNameOverride: 'temporal',
      },
    });
  });

  it('a CA alone verifies the server without a client certificate', () => {
    const f = files();
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: f.ca })).toEqual({
      address,
      tls: { serverRootCACertificate: Buffer.from('CA') },
    });
  });

  it('an API key (Temporal Cloud) implies TLS; with a CA both are kept', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'k' })).toEqual({
      address,
      tls: true,
      apiKey: 'k',
    });
    const f = files();
    expect(
      temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_CA: f.ca }),
    ).toEqual({ address, tls: { serverRootCACertificate: Buffer.from('CA') }, apiKey: 'k' });
  });

  it('refuses half a client certificate, and a path that cannot be read', () => {
    const f = files();
    expect(() => temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CERT: f.cert })).toThrow(
      /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/,
    );
    expect(() => temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_KEY: f.key })).toThrow(
      /go together/,
    );
    expect(() =>
      temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }),
    ).toThrow(/ENOENT/);
  });
});
