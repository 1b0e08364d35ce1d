import { randomBytes } from 'node:crypto';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { MpcErrorId } from './errors.js';
import { FROST_IDS, FrostSigner, frostAggregate, frostPublicKey } from './frost.js';
import {
  newSessionId,
  runFrostDkg,
  runFrostOnline,
  runFrostPresign,
  runFrostReshare,
  runFrostSign,
  type Tamper,
} from './protocol.js';

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

/** Like expectMpcError, but runs `fn` once (for calls that consume state, such as a presignature). */
function expectMpcErrorOnce(fn: () => unknown, id: string) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect((caught as { id?: string } | undefined)?.id).toBe(id);
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

  it("signature shares and signatures are the ones noble's stock ed25519_FROST suite computes", () => {
    const s = new FrostSigner(server);
    const c = new FrostSigner(client);
    const sid = newSessionId();
    const commitments = [s.commit(sid), c.commit(sid)];
    const msg = randomBytes(64);
    const shares = {
      [FROST_IDS.server]: s.signShare(sid, commitments, msg),
      [FROST_IDS.client]: c.signShare(sid, commitments, msg),
    };
    const list = commitments.map((m) => ({
      identifier: m.identifier,
      hiding: Buffer.from(m.hiding, 'hex'),
      binding: Buffer.from(m.binding, 'hex'),
    }));
    const raw = Object.fromEntries(Object.entries(shares).map(([id, h]) => [id, Buffer.from(h, 'hex')]));
    for (const [id, share] of Object.entries(raw))
      expect(ed25519_FROST.verifyShare(server.public, list, msg, id, share)).toBe(true);
    const stock = ed25519_FROST.aggregate(server.public, list, msg, raw);
    expect(bytesToHex(frostAggregate(server.public, commitments, msg, shares))).toBe(bytesToHex(stock));
  });

  it('nonce commitments with a small-order component are refused by the signer and the coordinator', () => {
    // A point of order 8: adding it leaves the encoding on the curve but outside the prime-order subgroup.
    const T = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    expect(T.is0()).toBe(false);
    expect(T.isSmallOrder()).toBe(true);
    const dirty = (h: string) => ed25519.Point.fromHex(h).add(T).toHex();
    const msg = randomBytes(32);
    expectMpcError(
      () =>
        runFrostSign(
          new FrostSigner(server),
          new FrostSigner(client),
          msg,
          at('frost-sign/1:client-commit', (m) => {
            m.binding = dirty(m.binding);
          }),
        ),
      MpcErrorId.BadMessage,
    );
    // The coordinator alone (shares made over the honest list) refuses the dirty list too.
    const s = new FrostSigner(server);
    const c = new FrostSigner(client);
    const sid = newSessionId();
    const commitments = [s.commit(sid), c.commit(sid)];
    const shares = {
      [FROST_IDS.server]: s.signShare(sid, commitments, msg),
      [FROST_IDS.client]: c.signShare(sid, commitments, msg),
    };
    const bad = commitments.map((m, i) => (i === 1 ? { ...m, hiding: dirty(m.hiding) } : m));
    expectMpcError(() => frostAggregate(server.public, bad, msg, shares), MpcErrorId.BadProof);
  });

  it('a bad signature share is caught by the aggregate check and blamed on its sender', () => {
    const msg = randomBytes(32);
    const tamper: Tamper = (s, m) => (s.startsWith('frost-sign/2:client-share') ? flipHex(m as string) : m);
    expect(() => runFrostSign(new FrostSigner(server), new FrostSigner(client), msg, tamper)).toThrow(
      /participant client does not verify/,
    );
  });

  it('preprocessed commitments (presignatures) sign once each; clear() drops the unused ones', () => {
    const s = new FrostSigner(server);
    const c = new FrostSigner(client);
    const pool = [runFrostPresign(s, c), runFrostPresign(s, c), runFrostPresign(s, c)];
    expect(s.pending).toBe(3);
    expect(c.pending).toBe(3);
    const first = pool[0]!;
    const msg = randomBytes(50);
    expect(ed25519.verify(runFrostOnline(s, c, first, msg), msg, pk)).toBe(true);
    expectMpcError(() => runFrostOnline(s, c, first, randomBytes(50)), MpcErrorId.PresignatureUnavailable);
    // A request the client refuses (a commitment swapped by the coordinator) still burns the presignature.
    const second = pool[1]!;
    const swapped = { ...second, commitments: [second.commitments[0]!, pool[2]!.commitments[1]!] };
    expectMpcErrorOnce(() => runFrostOnline(s, c, swapped, msg), MpcErrorId.BadMessage);
    expectMpcError(() => runFrostOnline(s, c, second, msg), MpcErrorId.PresignatureUnavailable);
    s.clear();
    c.clear();
    expect(s.pending + c.pending).toBe(0);
    expectMpcError(() => runFrostOnline(s, c, pool[2]!, msg), MpcErrorId.PresignatureUnavailable);
  });
});
