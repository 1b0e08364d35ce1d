/**
 * The co-signer as the separate process `npm run cosigner` (signer/cosigner/main.ts) behind a whole stack: server
 * wallets created through the API keep their second share there (own database, own key), a transfer is signed by
 * both processes and lands on anvil, and a kill -9 of the co-signer mid-flight holds the transfer (signing retries,
 * nothing is sent, nothing fails) until it is back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { cosignerEnvironments, newCosignerSecrets } from '../../scripts/stack/cosigner.js';
import { freePort } from '../../scripts/stack/ports.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

const chain = createEvmClient(process.env.RPC_URL_ANVIL!);
let stack: TestStack;
let child: ChildProcess | undefined;
let env: Awaited<ReturnType<typeof cosignerEnvironments>>;

async function startCosignerProcess(): Promise<void> {
  const { DATABASE_URL: _d, MASTER_KEY: _m, ...parent } = process.env;
  child = spawn(process.execPath, ['--import', 'tsx', 'signer/cosigner/main.ts'], {
    env: { ...parent, ...env.cosigner, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (
      await fetch(`${env.url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('co-signer did not start');
}

beforeAll(async () => {
  env = await cosignerEnvironments(process.env.DATABASE_URL!, newCosignerSecrets(), {
    port: await freePort(),
    database: 'cosigner_e2e',
    role: 'cosigner_e2e',
  });
  await startCosignerProcess();
  stack = await startTestStack({ env: env.services });
});

afterAll(async () => {
  await stack?.close();
  child?.kill('SIGKILL');
});

describe('server wallets with the co-signer in its own process', () => {
  it('creates a wallet whose second share lives only in the co-signer database, and sends from it', async () => {
    const w = await stack.call<{ walletId: string; address: string }>('POST', '/api/wallets', { userId: 'cos-1' });
    expect(w.status).toBe(201);
    const main = await stack.runtime.prisma.keyShare.findMany({ where: { walletId: w.body.walletId } });
    expect(main.map((r) => r.party).sort()).toEqual(['server', 'server']);
    const db = new pg.Client({ connectionString: env.cosigner.COSIGNER_DATABASE_URL });
    await db.connect();
    const rows = await db.query(`SELECT curve, status FROM cosigner_share WHERE wallet_id = $1 ORDER BY curve`, [
      w.body.walletId,
    ]);
    expect(rows.rows).toEqual([
      { curve: 'ed25519', status: 'active' },
      { curve: 'secp256k1', status: 'active' },
    ]);

    expect(
      (await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: w.body.address, amount: '1' })).status,
    ).toBe(200);
    const to = `0x${randomBytes(20).toString('hex')}`;
    const sent = await stack.call<{ transferId: string }>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to, token: 'NATIVE', amount: '0.1', walletId: w.body.walletId },
      { 'idempotency-key': 'cos-send-1' },
    );
    expect(sent.status).toBe(200);
    const final = await waitForTransfer(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(await chain.getBalance({ address: to as `0x${string}` })).toBe(100000000000000000n);
    const log = await db.query(`SELECT caller FROM cosigner_signature_log WHERE wallet_id = $1`, [w.body.walletId]);
    expect(log.rows).toEqual([{ caller: 'stack' }]);
    await db.end();

    // kill -9 of the co-signer: a new transfer cannot be signed by the main service alone; it waits, then lands.
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const to2 = `0x${randomBytes(20).toString('hex')}`;
    const pending = stack.call<{ transferId: string }>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to: to2, token: 'NATIVE', amount: '0.1', walletId: w.body.walletId },
      { 'idempotency-key': 'cos-send-2' },
    );
    await new Promise((r) => setTimeout(r, 4000));
    const held = await stack.runtime.prisma.transfer.findFirst({ where: { idempotencyKey: 'cos-send-2' } });
    expect(held).not.toBeNull();
    expect(['failed', 'finalized', 'submitted', 'confirmed']).not.toContain(held!.status);
    expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: held!.id } })).toBe(0);
    await startCosignerProcess();
    const second = await pending;
    const done = await waitForTransfer(stack, second.body.transferId ?? held!.id, undefined, 120_000);
    expect(done.status).toBe('finalized');
    expect(await chain.getBalance({ address: to2 as `0x${string}` })).toBe(100000000000000000n);
  });
});
