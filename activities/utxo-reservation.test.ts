/**
 * A reserve step that times out and finishes late (a zombie) must never change the inputs that get signed.
 * Storage-level races on real PostgreSQL, then the reserve → build path over the Esplora test peer on a real
 * regtest node with a listing that answers after the retried reserve already won.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitcoinjsNetwork } from '../chains/bitcoin/address.js';
import { createBitcoinAdapter } from '../chains/bitcoin/index.js';
import { bitcoinNetwork, intentFor, newWallet, signAndAssemble } from '../chains/bitcoin/test-support.js';
import type { ChainAdapter, Utxo } from '../chains/types.js';
import { isBaseError } from '../errors/base.js';
import { createPrisma, type PrismaClient } from '../storage/db.js';
import { outpointOf, releaseUtxos, reserveUtxos } from '../storage/utxos.js';
import { type BitcoinRegtestNode, startBitcoinRegtest } from '../test/peers/bitcoin-regtest.js';
import { type EsploraTestPeer, startEsploraTestPeer } from '../test/peers/esplora/index.js';
import type { TransferInput } from '../workflows/shared.js';
import { reservationToSign, reserveInputs } from './utxo-reservation.js';

const NETWORK = 'bitcoin-regtest';
let prisma: PrismaClient;

const utxo = (n: number, value = 100_000): Utxo => ({
  txid: n.toString(16).padStart(64, 'c'),
  vout: n,
  value: String(value),
  scriptPubKey: `0014${'ab'.repeat(20)}`,
  confirmations: 3,
});

async function rowsOf(transferId: string): Promise<{ outpoint: string; attempt: number; released: boolean }[]> {
  const rows = await prisma.utxoReservation.findMany({
    where: { network: NETWORK, transferId },
    orderBy: { outpoint: 'asc' },
  });
  return rows.map((r) => ({ outpoint: r.outpoint, attempt: r.attempt, released: r.releasedAt !== null }));
}

async function rejection(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isBaseError(err)).toBe(true);
  return err as { id: string; kind: string };
}

beforeAll(() => {
  prisma = createPrisma(process.env.DATABASE_URL!);
});

afterAll(async () => {
  await prisma?.$disconnect();
});

describe('UTXO reservations are insert-if-absent and fenced per (transfer, attempt)', () => {
  it('a late finisher of the same attempt gets the winner’s inputs back and changes nothing', async () => {
    const transferId = `tr_${randomUUID()}`;
    const winner = [utxo(Date.now() % 1e6)];
    const zombie = [utxo((Date.now() % 1e6) + 1), utxo((Date.now() % 1e6) + 2)];
    expect(await reserveUtxos(prisma, { network: NETWORK, transferId, attempt: 1, selected: winner })).toEqual(
      winner.map((u) => ({ ...u, confirmations: 1 })),
    );
    const late = await reserveUtxos(prisma, { network: NETWORK, transferId, attempt: 1, selected: zombie });
    expect(late.map(outpointOf)).toEqual(winner.map(outpointOf));
    expect(await rowsOf(transferId)).toEqual([{ outpoint: outpointOf(winner[0]!), attempt: 1, released: false }]);
    // The zombie's inputs stay free for other transfers.
    const other = `tr_${randomUUID()}`;
    await reserveUtxos(prisma, { network: NETWORK, transferId: other, attempt: 1, selected: zombie });
    expect((await rowsOf(other)).map((r) => r.outpoint)).toEqual(zombie.map(outpointOf).sort());
  });

  it('two reserves of one attempt racing each other end with one set, returned to both', async () => {
    const transferId = `tr_${randomUUID()}`;
    const base = (Date.now() % 1e6) + 10;
    const sets = [[utxo(base)], [utxo(base + 1)], [utxo(base + 2), utxo(base + 3)]];
    const results = await Promise.all(
      sets.map((selected) => reserveUtxos(prisma, { network: NETWORK, transferId, attempt: 1, selected })),
    );
    const won = results[0]!.map(outpointOf);
    for (const r of results) expect(r.map(outpointOf)).toEqual(won);
    expect((await rowsOf(transferId)).map((r) => r.outpoint)).toEqual(won);
  });

  it('a reserve of an older or released attempt is refused and leaves the rows alone', async () => {
    const transferId = `tr_${randomUUID()}`;
    const base = (Date.now() % 1e6) + 20;
    await reserveUtxos(prisma, { network: NETWORK, transferId, attempt: 1, selected: [utxo(base)] });
    await releaseUtxos(prisma, transferId);
    const released = await rejection(
      reserveUtxos(prisma, { network: NETWORK, transferId, attempt: 1, selected: [utxo(base + 1)] }),
    );
    expect(released).toMatchObject({ id: 'utxo_reservation_superseded', kind: 'terminal' });

    // Attempt 2 may take the same input again.
    await reserveUtxos(prisma, { network: NETWORK, transferId, attempt: 2, selected: [utxo(base), utxo(base + 2)] });
    const before = await rowsOf(transferId);
    expect(before).toEqual([
      { outpoint: outpointOf(utxo(base)), attempt: 2, released: false },
      { outpoint: outpointOf(utxo(base + 2)), attempt: 2, released: false },
    ]);
    const older = await rejection(
      reserveUtxos(prisma, { network: NETWORK, transferId, attempt: 1, selected: [utxo(base + 3)] }),
    );
    expect(older).toMatchObject({ id: 'utxo_reservation_superseded' });
    expect(await rowsOf(transferId)).toEqual(before);
  });
});

describe('reserve → build over a slow Esplora server', () => {
  let node: BitcoinRegtestNode;
  let peer: EsploraTestPeer;
  let core: ChainAdapter;
  let adapter: ChainAdapter;

  beforeAll(async () => {
    node = await startBitcoinRegtest();
    core = createBitcoinAdapter(bitcoinNetwork(NETWORK, { rpcUrl: node.rpcUrl }));
    peer = await startEsploraTestPeer({ rpcUrl: node.rpcUrl, network: bitcoinjsNetwork(core.network) });
    const base = bitcoinNetwork(NETWORK);
    adapter = createBitcoinAdapter({ ...base, esploraUrl: peer.url, params: { ...base.params, backend: 'esplora' } });
  });

  afterAll(async () => {
    await peer?.stop();
    await node?.stop();
  });

  it('a timed-out reserve whose stale listing arrives last does not change the signed inputs', async () => {
    const wallet = newWallet(adapter);
    await core.faucet!(wallet.address, '100000000'); // 1 BTC: the only coin the slow listing will see
    const intent = {
      ...intentFor(adapter, wallet, newWallet(adapter).address, 50_000_000n),
      transferId: `tr_${randomUUID()}`,
    };
    const input: TransferInput = {
      transferId: intent.transferId,
      tenantId: 't',
      walletId: 'w',
      network: NETWORK,
      intent,
      requiredConfirmations: 3,
      pollIntervalMs: 500,
    };
    const preflight = await adapter.preflight(intent);
    expect(preflight.errors).toEqual([]);

    // First run of the reserve step: the server computes its answer now but delivers it 4 s later (by then
    // Temporal has timed this run out and started a retry). This run is the zombie.
    peer.hold(new RegExp(`/address/${wallet.address}/utxo$`), 4_000);
    const zombie = reserveInputs(prisma, adapter, input, preflight);
    await new Promise((r) => setTimeout(r, 300));
    // Meanwhile the wallet receives a bigger coin; the retry lists both and picks differently.
    await core.faucet!(wallet.address, '300000000');
    const retry = await reserveInputs(prisma, adapter, input, preflight);
    expect(retry.attempt).toBe(1);
    expect(retry.utxos!.map((u) => u.value)).toEqual(['300000000']);

    const reservation = await reservationToSign(prisma, input, retry);
    const unsigned = await adapter.build(intent, preflight, reservation);
    const signed = signAndAssemble(adapter, wallet, unsigned);

    // The zombie's listing (only the 1 BTC coin) arrives now; it must not rewrite the reservation.
    const late = await zombie;
    expect(late.utxos!.map(outpointOf)).toEqual(retry.utxos!.map(outpointOf));

    const signedInputs = (unsigned.details.inputs as { txid: string; vout: number }[]).map(outpointOf).sort();
    const rows = await rowsOf(input.transferId);
    expect(rows.map((r) => r.outpoint)).toEqual(signedInputs);
    expect(rows.every((r) => !r.released && r.attempt === 1)).toBe(true);
    // And the build after the zombie still signs the same bytes.
    const again = await adapter.build(intent, preflight, await reservationToSign(prisma, input, late));
    expect(again.unsigned).toBe(unsigned.unsigned);

    await adapter.broadcast(signed);
    await node.mine(1);
    expect(await adapter.getStatus(signed.hash, { details: unsigned.details })).toMatchObject({ state: 'included' });
  });

  it('build refuses to sign when the attempt holds no reserved inputs', async () => {
    const transferId = `tr_${randomUUID()}`;
    const wallet = newWallet(adapter);
    const intent = { ...intentFor(adapter, wallet, newWallet(adapter).address, 1_000_000n), transferId };
    const input: TransferInput = {
      transferId,
      tenantId: 't',
      walletId: 'w',
      network: NETWORK,
      intent,
      requiredConfirmations: 3,
      pollIntervalMs: 500,
    };
    const err = await rejection(reservationToSign(prisma, input, { utxos: [utxo(1)], attempt: 1 }));
    expect(err).toMatchObject({ id: 'utxo_reservation_missing', kind: 'terminal' });
  });
});
