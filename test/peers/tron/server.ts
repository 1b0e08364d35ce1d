/**
 * TRON TEST PEER — the java-tron HTTP API surface that tronweb 6.5 and chains/tron use, plus `/test/*`
 * endpoints that exist only here (faucet, TRC-20 deploy/mint). Bad requests answer 200 `{ "Error": ... }`
 * like java-tron; unknown paths answer 404.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { utils as tronUtils } from 'tronweb';
import {
  type Block,
  fromHexAddress,
  type MinedTx,
  rawBytesOf,
  type TronTestChain,
  type TxJson,
  toHexAddress,
} from './chain.js';

type Body = Record<string, unknown>;
type Handler = (body: Body) => unknown;

const TX_EXPIRATION_MS = 60_000;

function blockJson(b: Block, withTxs: MinedTx[] | null) {
  return {
    blockID: b.id,
    block_header: {
      raw_data: {
        number: b.number,
        txTrieRoot: '0'.repeat(64),
        witness_address: '41' + '0'.repeat(40),
        parentHash: b.parentHash,
        version: 30,
        timestamp: b.timestamp,
      },
      witness_signature: '',
    },
    ...(withTxs?.length ? { transactions: withTxs.map(minedTxJson) } : {}),
  };
}

function minedTxJson(m: MinedTx) {
  return { ...m.tx, ret: [{ contractRet: m.receipt.result ?? 'SUCCESS' }] };
}

function txInfoJson(m: MinedTx) {
  const r = m.receipt;
  const receipt: Record<string, unknown> = {};
  if (r.netUsage) receipt.net_usage = r.netUsage;
  if (r.netFee) receipt.net_fee = Number(r.netFee);
  if (r.energyUsage) {
    receipt.energy_usage_total = r.energyUsage;
    receipt.energy_fee = Number(r.energyFee);
  }
  if (r.result) receipt.result = r.result;
  const contract = m.tx.raw_data.contract[0];
  return {
    id: m.txID,
    ...(r.fee ? { fee: Number(r.fee) } : {}),
    blockNumber: m.blockNumber,
    blockTimeStamp: m.blockTimestamp,
    contractResult: [r.contractResult],
    ...(contract?.type === 'TriggerSmartContract'
      ? { contract_address: toHexAddress(contract.parameter.value.contract_address) }
      : {}),
    receipt,
    ...(r.result && r.result !== 'SUCCESS'
      ? { result: 'FAILED', resMessage: Buffer.from(r.resMessage ?? '', 'utf8').toString('hex') }
      : {}),
  };
}

/** Builds an unsigned tx the way the node's createtransaction/triggersmartcontract do (ref = head, +60 s). */
function nodeBuiltTx(
  chain: TronTestChain,
  contract: TxJson['raw_data']['contract'][number],
  visible: boolean,
  feeLimit?: number,
): TxJson {
  const head = chain.head();
  const tx: TxJson = {
    visible,
    raw_data: {
      contract: [contract],
      ref_block_bytes: (head.number & 0xffff).toString(16).padStart(4, '0'),
      ref_block_hash: head.id.slice(16, 32),
      expiration: head.timestamp + TX_EXPIRATION_MS,
      timestamp: Date.now(),
      ...(feeLimit ? { fee_limit: feeLimit } : {}),
    },
  };
  const raw = rawBytesOf(tx);
  return { visible, txID: bytesToHex(sha256(raw)), raw_data: tx.raw_data, raw_data_hex: bytesToHex(raw) };
}

function selectorData(body: Body): string {
  if (typeof body.data === 'string' && body.data) return body.data.replace(/^0x/, '');
  const selector = String(body.function_selector ?? '');
  const hash = tronUtils.ethersUtils.keccak256(new TextEncoder().encode(selector)) as string;
  return hash.slice(2, 10) + String(body.parameter ?? '').replace(/^0x/, '');
}

const hexMsg = (s: string) => Buffer.from(s, 'utf8').toString('hex');

export function tronRoutes(chain: TronTestChain): Map<string, Handler> {
  const addr = (body: Body, key: string) => toHexAddress(body[key]);
  const show = (visible: unknown, hex: string) => (visible === true || visible === 'true' ? fromHexAddress(hex) : hex);
  const mined = (id: unknown, solidOnly: boolean) => {
    const m = chain.minedTx(String(id ?? ''));
    return m && (!solidOnly || chain.isSolid(m.blockNumber)) ? m : undefined;
  };
  const blockTxs = (b: Block) => b.txIds.map((id) => chain.minedTx(id)).filter((m): m is MinedTx => Boolean(m));
  const visibleBlock = (b: Block | undefined, solidOnly: boolean) =>
    b && (!solidOnly || chain.isSolid(b.number)) ? b : undefined;

  const routes = new Map<string, Handler>();
  for (const [prefix, solidOnly] of [
    ['/wallet', false],
    ['/walletsolidity', true],
  ] as const) {
    const top = () => (solidOnly ? chain.solidHead() : chain.head());
    routes.set(`${prefix}/getnowblock`, () => blockJson(top(), blockTxs(top())));
    routes.set(`${prefix}/getblock`, (b) => {
      const block =
        b.id_or_num === undefined || b.id_or_num === ''
          ? top()
          : visibleBlock(chain.findBlock(String(b.id_or_num)), solidOnly);
      if (!block) return {};
      return blockJson(block, b.detail === true ? blockTxs(block) : null);
    });
    routes.set(`${prefix}/getblockbynum`, (b) => {
      const block = visibleBlock(chain.findBlock(Number(b.num)), solidOnly);
      return block ? blockJson(block, blockTxs(block)) : {};
    });
    routes.set(`${prefix}/getblockbyid`, (b) => {
      const block = visibleBlock(chain.findBlock(String(b.value ?? '')), solidOnly);
      return block ? blockJson(block, blockTxs(block)) : {};
    });
    routes.set(`${prefix}/gettransactionbyid`, (b) => {
      const m = mined(b.value, solidOnly);
      return m ? minedTxJson(m) : {};
    });
    routes.set(`${prefix}/gettransactioninfobyid`, (b) => {
      const m = mined(b.value, solidOnly);
      return m ? txInfoJson(m) : {};
    });
    routes.set(`${prefix}/getaccount`, (b) => {
      const hex = addr(b, 'address');
      const acc = (solidOnly ? chain.solidState() : chain.state()).accounts.get(hex);
      if (!acc) return {};
      return {
        address: show(b.visible, hex),
        ...(acc.balance ? { balance: Number(acc.balance) } : {}),
        create_time: acc.createTime,
        ...(acc.freeNetUsed ? { free_net_usage: acc.freeNetUsed } : {}),
      };
    });
  }

  routes.set('/wallet/gettransactionfrompending', (b) => chain.pendingTx(String(b.value ?? '')) ?? {});

  routes.set('/wallet/getaccountresource', (b) => {
    const acc = chain.state().accounts.get(addr(b, 'address'));
    return {
      ...(acc?.freeNetUsed ? { freeNetUsed: acc.freeNetUsed } : {}),
      freeNetLimit: chain.params.getFreeNetLimit,
      TotalNetLimit: 43_200_000_000,
      TotalNetWeight: 26_000_000_000,
      TotalEnergyLimit: 180_000_000_000,
      TotalEnergyWeight: 19_000_000_000,
    };
  });

  routes.set('/wallet/getchainparameters', () => ({
    chainParameter: Object.entries(chain.params).map(([key, value]) => ({ key, value })),
  }));

  routes.set('/wallet/createtransaction', (b) => {
    const value = {
      owner_address: show(b.visible, addr(b, 'owner_address')),
      to_address: show(b.visible, addr(b, 'to_address')),
      amount: Number(b.amount),
    };
    if (!(value.amount > 0)) return { Error: 'Amount must be greater than 0.' };
    return nodeBuiltTx(
      chain,
      { parameter: { value, type_url: 'type.googleapis.com/protocol.TransferContract' }, type: 'TransferContract' },
      b.visible === true,
    );
  });

  routes.set('/wallet/triggersmartcontract', (b) => {
    const owner = addr(b, 'owner_address');
    const contract = addr(b, 'contract_address');
    if (!chain.state().tokens.has(contract))
      return { result: { code: 'CONTRACT_VALIDATE_ERROR', message: hexMsg('Smart contract is not exist.') } };
    const value: Record<string, unknown> = {
      data: selectorData(b),
      owner_address: show(b.visible, owner),
      contract_address: show(b.visible, contract),
    };
    if (Number(b.call_value ?? 0) > 0) value.call_value = Number(b.call_value);
    const transaction = nodeBuiltTx(
      chain,
      {
        parameter: { value, type_url: 'type.googleapis.com/protocol.TriggerSmartContract' },
        type: 'TriggerSmartContract',
      },
      b.visible === true,
      Number(b.fee_limit ?? 0) || undefined,
    );
    return { result: { result: true }, transaction };
  });

  routes.set('/wallet/triggerconstantcontract', (b) => {
    const owner = b.owner_address ? addr(b, 'owner_address') : `41${'0'.repeat(40)}`;
    const contract = addr(b, 'contract_address');
    const state = chain.state();
    if (!state.tokens.has(contract))
      return { result: { code: 'CONTRACT_VALIDATE_ERROR', message: hexMsg('Smart contract is not exist.') } };
    const res = state.clone().call(contract, owner, selectorData(b), false);
    if (!res.ok) {
      // java-tron keeps the success shape for a REVERT: the failure shows in result.message and ret FAILED
      return {
        result: { result: true, message: hexMsg(res.revertReason ?? 'REVERT opcode executed') },
        energy_used: res.energy,
        constant_result: [res.output],
        transaction: { ret: [{ ret: 'FAILED' }] },
      };
    }
    return {
      result: { result: true },
      energy_used: res.energy,
      constant_result: [res.output],
      transaction: { ret: [{}] },
    };
  });

  routes.set('/wallet/broadcasttransaction', (b) => chain.broadcast(b as unknown as TxJson));

  return routes;
}
