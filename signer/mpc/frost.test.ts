import { randomBytes } from 'node:crypto';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { MpcErrorId } from './errors.js';
import { FROST_IDS, FrostSigner, frostAggregate, frostPublicKey } from './frost.js';
import { newSessionId, runFrostDkg, runFrostReshare, runFrostSign, type Tamper } from './protocol.js';

// biome-ignore lint/suspicious/noExplicitAny: tamper hooks edit arbitrary protocol messages.
type Msg = any;
const at =
  (step: string, edit: (m: Msg) => void): Tamper =>
  (s, m) => {
    if (s.startsWith(step)) edit(m);
    return m;
  };
const flipHex = (h: string) => (h[0] === 'a' ? 'b' : 'a') + h.slice(1);

function expectMpcError(fn: () => unknown, id: string) {
  expect(fn).toThrow();
  try {
    fn();
  } catch (err) {
    expect((err as { id?: string }).id).toBe(id);
  }
}

describe('FROST Ed25519 2-of-2', () => {
  const { server, client } = runFrostDkg();
  const pk = frostPublicKey(server.public);

  it('DKG gives both parties the same group key; signatures verify with plain ed25519.verify', () => {
    expect(bytesToHex(frostPublicKey(client.public))).toBe(bytesToHex(pk));
    for (const size of [0, 32, 200]) {
      const msg = randomBytes(size);
      const sig = runFrostSign(new FrostSigner(server), new FrostSigner(client), msg);
      expect(ed25519.verify(sig, msg, pk)).toBe(true);
    }
  });

  it('neither share alone produces a valid signature', () => {
    const msg = randomBytes(32);
    for (const share of [server, client]) {
      // The share used as if it were the key.
      expect(ed25519.verify(ed25519_FROST.sign(msg, share.signingShare), msg, pk)).toBe(false);
    }
    // The real server share with a made-up partner share: the coordinator rejects the partner's share.
    const fake = { ...client, signingShare: ed25519_FROST.utils.randomScalar() };
    expectMpcError(() => runFrostSign(new FrostSigner(server), new FrostSigner(fake), msg), MpcErrorId.BadProof);
  });

  it('nonces are single-use', () => {
    const s = new FrostSigner(server);
    const c = new FrostSigner(client);
    const sid = newSessionId();
    const commitments = [s.commit(sid), c.commit(sid)];
    const msg = randomBytes(16);
    const shares = {
      [FROST_IDS.server]: s.signShare(sid, commitments, msg),
      [FROST_IDS.client]: c.signShare(sid, commitments, msg),
    };
    expect(ed25519.verify(frostAggregate(server.public, commitments, msg, shares), msg, pk)).toBe(true);
    expectMpcError(() => s.signShare(sid, commitments, randomBytes(16)), MpcErrorId.PresignatureUnavailable);
    expectMpcError(() => s.commit(sid), MpcErrorId.BadMessage);
  });

  it('DKG rejects a bad proof of knowledge and a share that does not match its commitments', () => {
    expectMpcError(
      () =>
        runFrostDkg(
          at('frost-dkg/1:client', (m) => {
            m.proofOfKnowledge = flipHex(m.proofOfKnowledge);
          }),
        ),
      MpcErrorId.BadProof,
    );
    expectMpcError(
      () =>
        runFrostDkg(
          at('frost-dkg/2:server', (m) => {
            m.signingShare = flipHex(m.signingShare);
          }),
        ),
      MpcErrorId.BadProof,
    );
  });

  it('signing rejects a tampered signature share or commitment', () => {
    const msg = randomBytes(32);
    const swapShare: Tamper = (s, m) => (s.startsWith('frost-sign/2:client-share') ? flipHex(m as string) : m);
    expectMpcError(
      () => runFrostSign(new FrostSigner(server), new FrostSigner(client), msg, swapShare),
      MpcErrorId.BadProof,
    );
    // A coordinator announcing a different commitment for the client: the client refuses to sign.
    const fresh = new FrostSigner(client).commit(newSessionId());
    expectMpcError(
      () =>
        runFrostSign(
          new FrostSigner(server),
          new FrostSigner(client),
          msg,
          at('frost-sign/1:client-commit', (m) => {
            m.hiding = fresh.hiding;
          }),
        ),
      MpcErrorId.BadMessage,
    );
  });

  it('re-sharing keeps the group key; old and new shares do not mix', () => {
    const next = runFrostReshare(server, client);
    expect(bytesToHex(frostPublicKey(next.server.public))).toBe(bytesToHex(pk));
    expect(bytesToHex(next.client.signingShare)).not.toBe(bytesToHex(client.signingShare));
    const msg = randomBytes(40);
    expect(ed25519.verify(runFrostSign(new FrostSigner(next.server), new FrostSigner(next.client), msg), msg, pk)).toBe(
      true,
    );
    expect(() => runFrostSign(new FrostSigner(next.server), new FrostSigner(client), msg)).toThrow();
    expectMpcError(
      () =>
        runFrostReshare(
          server,
          client,
          at('frost-reshare/3', (m) => {
            m.delta1 = (BigInt(`0x${m.delta1}`) + 1n).toString(16);
          }),
        ),
      MpcErrorId.BadCommitment,
    );
  });
});
