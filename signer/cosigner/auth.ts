/**
 * The co-signer's channel authentication: every request is signed with its caller's Ed25519 key (one key pair per
 * caller; the co-signer holds an allow-list of public keys), and every response with the co-signer's own key,
 * bound to the request's nonce. A request is accepted once: its timestamp must be within `maxSkewMs` and its nonce
 * unseen in that window. Confidentiality comes from TLS (`COSIGNER_TLS_*`) or a private network; see docs/mpc.md.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export const HEADER = {
  caller: 'cosigner-caller',
  timestamp: 'cosigner-timestamp',
  nonce: 'cosigner-nonce',
  signature: 'cosigner-signature',
} as const;

function hex32(value: string, name: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(value.trim())) throw new Error(`${name} must be 32 bytes as 64 hex characters`);
  return Buffer.from(value.trim(), 'hex');
}

/** A private key from its 32-byte seed (hex). */
export function privateKeyFromHex(seedHex: string, name = 'private key'): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, hex32(seedHex, name)]), format: 'der', type: 'pkcs8' });
}

/** A public key from its 32 raw bytes (hex). */
export function publicKeyFromHex(hex: string, name = 'public key'): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, hex32(hex, name)]), format: 'der', type: 'spki' });
}

export function publicKeyHexOf(privateKey: KeyObject): string {
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Buffer.from(der).subarray(SPKI_ED25519.length).toString('hex');
}

/** A fresh key pair, as hex (for `npm run cosigner:keys`, and tests). */
export function newKeyPairHex(): { privateKey: string; publicKey: string } {
  const seed = randomBytes(32).toString('hex');
  return { privateKey: seed, publicKey: publicKeyHexOf(privateKeyFromHex(seed)) };
}

const sha256 = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

function requestText(
  p: { method: string; path: string; caller: string; timestamp: string; nonce: string },
  body: string,
) {
  return [
    'chainflow-cosigner-request/v1',
    p.method.toUpperCase(),
    p.path,
    p.caller,
    p.timestamp,
    p.nonce,
    sha256(body),
  ].join('\n');
}

function responseText(nonce: string, status: number, body: string) {
  return ['chainflow-cosigner-response/v1', nonce, String(status), sha256(body)].join('\n');
}

export function signRequest(
  key: KeyObject,
  p: { method: string; path: string; caller: string },
  body: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('hex');
  const signature = sign(null, Buffer.from(requestText({ ...p, timestamp, nonce }, body)), key).toString('base64');
  return {
    [HEADER.caller]: p.caller,
    [HEADER.timestamp]: timestamp,
    [HEADER.nonce]: nonce,
    [HEADER.signature]: signature,
  };
}

export function signResponse(key: KeyObject, nonce: string, status: number, body: string): string {
  return sign(null, Buffer.from(responseText(nonce, status, body)), key).toString('base64');
}

export function verifyResponse(key: KeyObject, nonce: string, status: number, body: string, signature: string | null) {
  if (!signature) return false;
  try {
    return verify(null, Buffer.from(responseText(nonce, status, body)), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export type RequestCheck = { ok: true; caller: string } | { ok: false; reason: string };

/** Checks a request's caller, freshness, nonce and signature (the co-signer side). */
export class RequestVerifier {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly callers: ReadonlyMap<string, KeyObject>,
    private readonly maxSkewMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  check(p: { method: string; path: string }, headers: Record<string, string | undefined>, body: string): RequestCheck {
    const caller = headers[HEADER.caller];
    const timestamp = headers[HEADER.timestamp];
    const nonce = headers[HEADER.nonce];
    const signature = headers[HEADER.signature];
    if (!caller || !timestamp || !nonce || !signature) return { ok: false, reason: 'unsigned request' };
    const key = this.callers.get(caller);
    if (!key) return { ok: false, reason: 'caller not allowed' };
    const at = Number(timestamp);
    const now = this.now();
    if (!/^\d{1,16}$/.test(timestamp) || Math.abs(now - at) > this.maxSkewMs)
      return { ok: false, reason: 'stale request' };
    if (!/^[0-9a-f]{32}$/.test(nonce)) return { ok: false, reason: 'bad nonce' };
    let valid = false;
    try {
      valid = verify(
        null,
        Buffer.from(requestText({ ...p, caller, timestamp, nonce }, body)),
        key,
        Buffer.from(signature, 'base64'),
      );
    } catch {
      valid = false;
    }
    if (!valid) return { ok: false, reason: 'bad signature' };
    this.prune(now);
    if (this.seen.has(nonce)) return { ok: false, reason: 'replayed request' };
    this.seen.set(nonce, now + this.maxSkewMs * 2);
    return { ok: true, caller };
  }

  private prune(now: number): void {
    for (const [nonce, until] of this.seen) {
      if (until >= now) break;
      this.seen.delete(nonce);
    }
  }
}

/** `name=publicKeyHex,name2=publicKeyHex` → allow-list. */
export function parseCallers(value: string): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  for (const entry of value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)) {
    const [name, key] = entry.split('=');
    if (!name || !key || !/^[a-z0-9_-]{1,64}$/i.test(name))
      throw new Error('COSIGNER_CALLERS must be name=publicKeyHex,…');
    out.set(name, publicKeyFromHex(key, `COSIGNER_CALLERS key of ${name}`));
  }
  return out;
}
