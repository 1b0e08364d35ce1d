/**
 * Portal's client API end to end on anvil with the MPC signer: generate → confirm → raw sign (noble) →
 * personal_sign / typed data (viem verify) → eth_signTransaction accepted by anvil → /v1/assets/send and
 * eth_sendTransaction with the client share reach `finalized`; backup → recover keeps the address and
 * retires the old share; client isolation; no share in Temporal history, the database or the logs.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import proto from '@temporalio/proto';
import { createWalletClient, type Hex, http, parseEther, verifyMessage, verifyTypedData } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { base58Decode } from '../../chains/shared/base58.js';
import { Envelope, LocalMasterKeyProvider, parseMasterKey } from '../../signer/envelope.js';
import { type PortalStack, startPortalStack, waitForFinal } from './portal-stack.js';

const { temporal } = proto;
const rpcUrl = process.env.RPC_URL_ANVIL!;
const chain = createEvmClient(rpcUrl);
const RECIPIENT = '0xdFd8302f44727A6348F702fF7B594f127dE3A902' as const;

type Shares = { SECP256K1: { share: string; id: string }; ED25519: { share: string; id: string } };
interface Client {
  id: string;
  token: string;
  shares: Shares;
  wallet: {
    walletId: string;
    address: string;
    publicKey: string;
    ed25519PublicKey: string;
    addresses: Record<string, string>;
  };
}

let stack: PortalStack;
let alice: Client;
let bob: Client;

async function newClientWithWallet(): Promise<Client> {
  const c = await stack.call<{ id: string; clientSessionToken: string }>(
    stack.apiKey,
    'POST',
    '/api/v1/custodians/clients',
    {},
  );
  const gen = await stack.call<Shares>(c.body.clientSessionToken, 'POST', '/v1/generate', {});
  expect(gen.status).toBe(200);
  const info = await stack.call<{ wallet: Client['wallet'] }>(
    stack.apiKey,
    'GET',
    `/api/v1/custodians/clients/${c.body.id}`,
  );
  return { id: c.body.id, token: c.body.clientSessionToken, shares: gen.body, wallet: info.body.wallet };
}

const confirm = (c: Client, ids: string[], status = 'STORED_CLIENT') =>
  stack.call(c.token, 'PATCH', '/api/v3/clients/me/signing-share-pairs', { status, signingSharePairIds: ids });
const confirmBackup = (c: Client, ids: string[], status = 'STORED_CLIENT_BACKUP_SHARE') =>
  stack.call(c.token, 'PATCH', '/api/v3/clients/me/backup-share-pairs', { status, backupSharePairIds: ids });
const pairStatuses = async (ids: string[]) =>
  (await stack.runtime.prisma.signingSharePair.findMany({ where: { id: { in: ids } } })).map((p) => p.status);

const rawSign = (c: Client, curve: 'SECP256K1' | 'ED25519', param: string, share: string) =>
  stack.call<{ data: string; id?: string }>(c.token, 'POST', `/v1/raw/sign/${curve}`, { param, share });

const sign = (
  c: Client,
  method: string,
  params: unknown[],
  share = c.shares.SECP256K1.share,
  chainId = 'eip155:31337',
) =>
  stack.call<{ data: string; id?: string; message?: string; transferId?: string }>(c.token, 'POST', '/v1/sign', {
    method,
    params: JSON.stringify(params),
    share,
    chainId,
  });

const digest = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');

beforeAll(async () => {
  stack = await startPortalStack();
  alice = await newClientWithWallet();
  bob = await newClientWithWallet();
});
afterAll(async () => {
  await stack?.close();
});

describe('generate and confirm', () => {
  it('returns a share and a share-pair id per curve, and creates a client-held wallet', async () => {
    expect(Object.keys(alice.shares).sort()).toEqual(['ED25519', 'SECP256K1']);
    expect(alice.shares.SECP256K1.id).toMatch(/^cm/);
    expect(alice.wallet.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const row = await stack.runtime.prisma.wallet.findUniqueOrThrow({ where: { id: alice.wallet.walletId } });
    expect(row).toMatchObject({ custody: 'client', clientId: alice.id });
  });

  it('refuses to sign with an unconfirmed share pair (400 share_not_confirmed), then signs once confirmed', async () => {
    const d = digest();
    expect(await rawSign(alice, 'SECP256K1', d, alice.shares.SECP256K1.share)).toMatchObject({
      status: 400,
      body: { id: 'share_not_confirmed' },
    });
    const ids = [alice.shares.SECP256K1.id, alice.shares.ED25519.id];
    expect(await confirm(alice, ids, 'STORED_CLIENT_BACKUP_SHARE')).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST' },
    });
    expect(await confirm(alice, [...ids, 'cm-not-a-pair'])).toMatchObject({ status: 404, body: { id: 'NOT_FOUND' } });
    expect(await pairStatuses(ids)).toEqual(['incomplete', 'incomplete']); // all or none
    const ok = await confirm(alice, ids);
    expect(ok).toMatchObject({ status: 204, body: undefined }); // Portal answers 204 No Content
    expect(await pairStatuses(ids)).toEqual(['STORED_CLIENT', 'STORED_CLIENT']);
    expect((await confirm(bob, [bob.shares.SECP256K1.id, bob.shares.ED25519.id])).status).toBe(204);

    const secp = await rawSign(alice, 'SECP256K1', d, alice.shares.SECP256K1.share);
    expect(secp.status).toBe(200);
    const sig = Buffer.from(secp.body.data.slice(2), 'hex');
    expect(sig).toHaveLength(65);
    expect(
      secp256k1.verify(sig.subarray(0, 64), Buffer.from(d, 'hex'), Buffer.from(alice.wallet.publicKey, 'hex'), {
        prehash: false,
      }),
    ).toBe(true);

    const msg = Buffer.from('portal raw ed25519').toString('hex');
    const ed = await rawSign(alice, 'ED25519', msg, alice.shares.ED25519.share);
    expect(ed.status).toBe(200);
    expect(
      ed25519.verify(
        Buffer.from(ed.body.data.slice(2), 'hex'),
        Buffer.from(msg, 'hex'),
        Buffer.from(alice.wallet.ed25519PublicKey, 'hex'),
      ),
    ).toBe(true);
  });

  it('a second generate is refused once the wallet is in use', async () => {
    const again = await stack.call<{ id: string }>(alice.token, 'POST', '/v1/generate', {});
    expect(again).toMatchObject({ status: 400, body: { id: 'WALLET_ALREADY_EXISTS' } });
  });

  it('rejects malformed requests with { id, message }', async () => {
    expect(await rawSign(alice, 'SECP256K1', 'zz', alice.shares.SECP256K1.share)).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST' },
    });
    expect(await rawSign(alice, 'SECP256K1', digest(), 'not-a-share')).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST' },
    });
    expect(await rawSign(alice, 'SECP256K1', digest(), alice.shares.ED25519.share)).toMatchObject({ status: 400 });
    expect(await sign(alice, 'eth_foo', ['x'])).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
    expect(await stack.call(stack.apiKey, 'POST', '/v1/generate', {})).toMatchObject({ status: 403 });
  });
});

describe('POST /v1/sign', () => {
  it('personal_sign and eth_sign: EIP-191 signatures that viem verifies for the wallet address', async () => {
    const res = await sign(alice, 'personal_sign', ['hello portal', alice.wallet.address]);
    expect(res.status).toBe(200);
    expect(
      await verifyMessage({
        address: alice.wallet.address as Hex,
        message: 'hello portal',
        signature: res.body.data as Hex,
      }),
    ).toBe(true);
    const hex = await sign(alice, 'eth_sign', [alice.wallet.address, '0xdeadbeef']);
    expect(
      await verifyMessage({
        address: alice.wallet.address as Hex,
        message: { raw: '0xdeadbeef' },
        signature: hex.body.data as Hex,
      }),
    ).toBe(true);
    // another address in params is refused
    expect(await sign(alice, 'personal_sign', ['x', bob.wallet.address])).toMatchObject({ status: 400 });
  });

  it('eth_signTypedData_v4: an EIP-712 signature that viem verifies', async () => {
    const typed = {
      domain: { name: 'Portal Test', version: '1', chainId: 31337, verifyingContract: RECIPIENT },
      types: {
        Mail: [
          { name: 'to', type: 'address' },
          { name: 'contents', type: 'string' },
        ],
      },
      primaryType: 'Mail' as const,
      message: { to: RECIPIENT, contents: 'hi' },
    };
    const res = await sign(alice, 'eth_signTypedData_v4', [alice.wallet.address, JSON.stringify(typed)]);
    expect(res.status).toBe(200);
    expect(
      await verifyTypedData({ address: alice.wallet.address as Hex, ...typed, signature: res.body.data as Hex }),
    ).toBe(true);
  });

  it('eth_signTransaction: anvil accepts the MPC-signed raw transaction', async () => {
    expect(
      (
        await stack.call(stack.apiKey, 'POST', '/v1/dev/faucet', {
          chain: 'anvil',
          address: alice.wallet.address,
          amount: '2',
        })
      ).status,
    ).toBe(200);
    const before = await chain.getBalance({ address: RECIPIENT });
    const res = await sign(alice, 'eth_signTransaction', [
      { from: alice.wallet.address, to: RECIPIENT, value: '0x2386f26fc10000' },
    ]);
    expect(res.status).toBe(200);
    const wallet = createWalletClient({ transport: http(rpcUrl) });
    const hash = await wallet.sendRawTransaction({ serializedTransaction: res.body.data as Hex });
    const receipt = await chain.waitForTransactionReceipt({ hash, pollingInterval: 200 });
    expect(receipt.status).toBe('success');
    expect(receipt.from.toLowerCase()).toBe(alice.wallet.address.toLowerCase());
    expect((await chain.getBalance({ address: RECIPIENT })) - before).toBe(parseEther('0.01'));
  });

  it('eth_sendTransaction: a plain transfer goes through the transfer workflow; contract creation is refused clearly', async () => {
    const res = await sign(alice, 'eth_sendTransaction', [
      { from: alice.wallet.address, to: RECIPIENT, value: '0x38d7ea4c68000' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await waitForFinal(stack, alice.token, res.body.transferId!)).status).toBe('finalized');
    const view = await stack.call<{ kind: string; amount: string; to: string }>(
      alice.token,
      'GET',
      `/v1/transfers/${res.body.transferId}`,
    );
    expect(view.body).toMatchObject({ kind: 'transfer', amount: '0.001', to: RECIPIENT });
    const deploy = await sign(alice, 'eth_sendTransaction', [{ data: '0x6080', value: '0x0' }]);
    expect(deploy).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST', message: expect.stringContaining('eth_signTransaction') },
    });
  });

  it('sol_signMessage: an ed25519 signature for the Solana address; a malformed sol_signAndSendTransaction is refused', async () => {
    const solana = await stack.call<{ wallet: Client['wallet'] }>(
      stack.apiKey,
      'GET',
      `/api/v1/custodians/clients/${alice.id}`,
    );
    const solNetwork = Object.keys(solana.body.wallet.addresses).find((n) => n.startsWith('solana'));
    expect(solNetwork).toBeDefined();
    const chainId = stack.runtime.chains.networks.resolve(solNetwork!).caip2;
    const res = await sign(alice, 'sol_signMessage', ['gm'], alice.shares.ED25519.share, chainId);
    expect(res.status).toBe(200);
    expect(
      ed25519.verify(base58Decode(res.body.data), Buffer.from('gm'), Buffer.from(alice.wallet.ed25519PublicKey, 'hex')),
    ).toBe(true);
    const send = await sign(alice, 'sol_signAndSendTransaction', ['AA=='], alice.shares.ED25519.share, chainId);
    expect(send).toMatchObject({
      status: 400,
      body: { id: 'BAD_REQUEST', message: expect.stringContaining('not a serialized Solana transaction') },
    });
  });
});

describe('POST /v1/assets/send with the client share', () => {
  it('reaches finalized on anvil; no share appears in Temporal history, the database or the logs', async () => {
    const sent = await stack.call<{ transferId: string; transactionHash: string }>(
      alice.token,
      'POST',
      '/v1/assets/send',
      {
        share: alice.shares.SECP256K1.share,
        chain: 'anvil',
        to: RECIPIENT,
        token: 'NATIVE',
        amount: '0.001',
      },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const final = await waitForFinal(stack, alice.token, sent.body.transferId);
    expect(final.status).toBe('finalized');

    // Secrets to look for: the client share in every form, and the server shares' plaintext.
    const clientJson = Buffer.from(alice.shares.SECP256K1.share, 'base64').toString('utf8');
    const x2 = (JSON.parse(clientJson) as { ecdsa: { x2: string } }).ecdsa.x2;
    const envelope = new Envelope(new LocalMasterKeyProvider(parseMasterKey(stack.masterKey)));
    const serverRows = await stack.runtime.prisma.keyShare.findMany({
      where: { walletId: alice.wallet.walletId, party: 'server' },
    });
    expect(serverRows.length).toBeGreaterThanOrEqual(2);
    const serverSecrets: string[] = [];
    for (const row of serverRows) {
      const plain = await envelope.open(row, { walletId: row.walletId, curve: row.curve, party: row.party });
      const s = JSON.parse(plain) as {
        ecdsa?: { x1: string; paillier: { p: string; q: string } };
        frost?: { signingShare: string };
      };
      if (s.ecdsa) serverSecrets.push(plain, s.ecdsa.x1, String(s.ecdsa.paillier.p), String(s.ecdsa.paillier.q));
      if (s.frost) serverSecrets.push(plain, s.frost.signingShare);
    }
    const needles = [
      alice.shares.SECP256K1.share,
      alice.shares.ED25519.share,
      clientJson,
      Buffer.from(clientJson).toString('hex'),
      x2,
      ...serverSecrets,
    ].filter((n) => n.length >= 16);

    const transfer = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: sent.body.transferId } });
    const history = await stack.temporal.workflow.getHandle(transfer.workflowId).fetchHistory();
    expect(history.events?.length).toBeGreaterThan(5);
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    const rawText = raw.toString('latin1');
    const json = JSON.stringify(history);
    expect(rawText).toContain('binary/encrypted'); // payloads are there, encrypted by the codec
    for (const n of needles) {
      expect(rawText.includes(n), 'history bytes').toBe(false);
      expect(raw.includes(Buffer.from(n, 'utf8')), 'history utf8').toBe(false);
      expect(json.includes(n), 'history json').toBe(false);
    }

    const dbText = JSON.stringify([
      await stack.runtime.prisma.keyShare.findMany(),
      await stack.runtime.prisma.shareVault.findMany(),
      await stack.runtime.prisma.transfer.findMany({ where: { walletId: alice.wallet.walletId } }),
    ]);
    const logText = stack.logs.join('');
    // the API did log these requests (and failed ones with their errors), so the scan below is not vacuous
    expect(logText).toContain('/v1/assets/send');
    expect(logText).toContain('share_not_confirmed');
    for (const n of needles) {
      expect(dbText.includes(n), 'database').toBe(false);
      expect(logText.includes(n), 'logs').toBe(false);
    }
  });

  it('refuses an unconfirmed or foreign share, and the wrong curve', async () => {
    const body = (share: string) => ({ share, chain: 'anvil', to: RECIPIENT, token: 'NATIVE', amount: '0.001' });
    expect(await stack.call(alice.token, 'POST', '/v1/assets/send', body(bob.shares.SECP256K1.share))).toMatchObject({
      status: 404,
    });
    expect(await stack.call(alice.token, 'POST', '/v1/assets/send', body(alice.shares.ED25519.share))).toMatchObject({
      status: 400,
    });
  });
});

describe('isolation between clients (BOLA)', () => {
  it("client B's token never reaches client A's wallet, shares or transfers", async () => {
    expect(await rawSign(bob, 'SECP256K1', digest(), alice.shares.SECP256K1.share)).toMatchObject({
      status: 404,
      body: { id: 'wallet_not_found' },
    });
    expect(await sign(bob, 'personal_sign', ['x'], alice.shares.SECP256K1.share)).toMatchObject({ status: 404 });
    const aliceTransfers = await stack.call<{ data: { transferId: string }[] }>(alice.token, 'GET', '/v1/transfers');
    expect(aliceTransfers.body.data.length).toBeGreaterThan(0);
    const bobList = await stack.call<{ data: unknown[] }>(bob.token, 'GET', '/v1/transfers');
    expect(bobList.body.data).toEqual([]);
    for (const t of aliceTransfers.body.data) {
      const res = await stack.call<{ id: string }>(bob.token, 'GET', `/v1/transfers/${t.transferId}`);
      expect(res).toMatchObject({ status: 404, body: { id: 'NOT_FOUND' } });
      expect((await stack.call(bob.token, 'GET', `/v1/transfers/${t.transferId}/history`)).status).toBe(404);
    }
    const send = await stack.call(bob.token, 'POST', '/v1/assets/send', {
      walletId: alice.wallet.walletId,
      share: bob.shares.SECP256K1.share,
      chain: 'anvil',
      to: RECIPIENT,
      token: 'NATIVE',
      amount: '0.001',
    });
    expect(send).toMatchObject({ status: 404 });
    expect(await confirm(bob, [alice.shares.SECP256K1.id])).toMatchObject({ status: 404 });
    expect((await stack.call(bob.token, 'GET', `/api/wallets/${alice.wallet.walletId}`)).status).toBe(403);
  });
});

describe('backup and recover', () => {
  it('recovers new signing shares for the same addresses; the old share stops working', async () => {
    const backup = await stack.call<Shares>(alice.token, 'POST', '/v1/backup', {
      generateResponse: JSON.stringify(alice.shares),
    });
    expect(backup.status).toBe(200);
    // a backup share cannot sign
    expect(await rawSign(alice, 'SECP256K1', digest(), backup.body.SECP256K1.share)).toMatchObject({ status: 400 });
    const backupIds = [backup.body.SECP256K1.id, backup.body.ED25519.id];
    // backup pairs have their own endpoint and statuses
    expect(await confirm(alice, backupIds)).toMatchObject({ status: 400, body: { id: 'BAD_REQUEST' } });
    expect(await confirmBackup(alice, backupIds, 'STORED_CLIENT')).toMatchObject({ status: 400 });
    expect((await confirmBackup(alice, backupIds)).status).toBe(204);
    expect(await pairStatuses(backupIds)).toEqual(['STORED_CLIENT_BACKUP_SHARE', 'STORED_CLIENT_BACKUP_SHARE']);

    const recovered = await stack.call<Shares>(alice.token, 'POST', '/v1/recover', { backupResponse: backup.body });
    expect(recovered.status).toBe(200);
    const fresh = { ...alice, shares: recovered.body };
    expect(await rawSign(fresh, 'SECP256K1', digest(), recovered.body.SECP256K1.share)).toMatchObject({
      status: 400,
      body: { id: 'share_not_confirmed' },
    });
    expect((await confirm(fresh, [recovered.body.SECP256K1.id, recovered.body.ED25519.id])).status).toBe(204);

    const res = await sign(fresh, 'personal_sign', ['after recovery']);
    expect(res.status).toBe(200);
    expect(
      await verifyMessage({
        address: alice.wallet.address as Hex,
        message: 'after recovery',
        signature: res.body.data as Hex,
      }),
    ).toBe(true);
    const msg = Buffer.from('ed after recovery').toString('hex');
    const ed = await rawSign(fresh, 'ED25519', msg, recovered.body.ED25519.share);
    expect(
      ed25519.verify(
        Buffer.from(ed.body.data.slice(2), 'hex'),
        Buffer.from(msg, 'hex'),
        Buffer.from(alice.wallet.ed25519PublicKey, 'hex'),
      ),
    ).toBe(true);

    for (const curve of ['SECP256K1', 'ED25519'] as const) {
      const old = await rawSign(alice, curve, curve === 'SECP256K1' ? digest() : msg, alice.shares[curve].share);
      expect(old, curve).toMatchObject({ status: 400, body: { id: 'mpc_share_mismatch' } });
    }
    const info = await stack.call<{ wallet: Client['wallet'] }>(
      stack.apiKey,
      'GET',
      `/api/v1/custodians/clients/${alice.id}`,
    );
    expect(info.body.wallet.addresses).toEqual(alice.wallet.addresses);
  });
});

describe('server wallets (Dynamic-style)', () => {
  it('POST /api/wallets/:id/sign returns an EIP-191 signature for the wallet address', async () => {
    const w = await stack.call<{ walletId: string; address: string }>(stack.apiKey, 'POST', '/api/wallets', {
      userId: 'portal-server-user',
    });
    expect(w.status).toBe(201);
    for (const ref of [w.body.walletId, w.body.address, 'portal-server-user']) {
      const res = await stack.call<{ signature: string }>(stack.apiKey, 'POST', `/api/wallets/${ref}/sign`, {
        message: 'register me',
      });
      expect(res.status).toBe(200);
      expect(
        await verifyMessage({
          address: w.body.address as Hex,
          message: 'register me',
          signature: res.body.signature as Hex,
        }),
      ).toBe(true);
    }
    const rows = await stack.runtime.prisma.keyShare.findMany({ where: { walletId: w.body.walletId } });
    expect(rows.map((r) => `${r.curve}/${r.party}`).sort()).toEqual([
      'ed25519/client',
      'ed25519/server',
      'secp256k1/client',
      'secp256k1/server',
    ]);
    expect(
      (await stack.call(stack.apiKey, 'POST', `/api/wallets/${alice.wallet.walletId}/sign`, { message: 'x' })).status,
    ).toBe(400);
  });
});
