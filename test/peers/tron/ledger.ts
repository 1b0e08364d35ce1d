/**
 * TRON TEST PEER — account state and contract execution (TRX TransferContract, and a minimal TRC-20 ledger
 * for TriggerSmartContract). Fees follow java-tron's rules in simplified form: bandwidth from free net, else
 * burned at getTransactionFee per byte; new accounts cost getCreateNewAccountFeeInSystemContract +
 * getCreateAccountFee; TRC-20 energy burned at getEnergyFee per unit, capped by fee_limit; a transaction with a
 * memo (raw_data.data) burns getMemoFee (TIP-387), checked after bandwidth and before the contract, as java-tron's
 * Manager.consumeMemoFee does.
 * Test-only: not a VM, no staking, no multisig, no free-net recovery.
 */

/** Addresses are normalized to lower-case `41...` hex everywhere in the peer. */
export type HexAddress = string;

export interface Account {
  balance: bigint;
  createTime: number;
  freeNetUsed: number;
}

export interface Trc20Ledger {
  symbol: string;
  name: string;
  decimals: number;
  totalSupply: bigint;
  balances: Map<HexAddress, bigint>;
}

export interface ChainParams {
  getTransactionFee: number;
  getEnergyFee: number;
  getCreateAccountFee: number;
  getCreateNewAccountFeeInSystemContract: number;
  getFreeNetLimit: number;
  getMaxFeeLimit: number;
  /** TIP-387: sun burnt by a transaction that carries a memo (mainnet: 1 TRX since proposal 104). */
  getMemoFee: number;
}

export const DEFAULT_PARAMS: ChainParams = {
  getTransactionFee: 1000,
  getEnergyFee: 420,
  getCreateAccountFee: 100_000,
  getCreateNewAccountFeeInSystemContract: 1_000_000,
  getFreeNetLimit: 600,
  getMaxFeeLimit: 15_000_000_000,
  getMemoFee: 0,
};

/** Energy of a USDT-like transfer: writing a fresh storage slot (recipient balance 0) costs more. */
export const ENERGY_TRANSFER_EXISTING = 14_650;
export const ENERGY_TRANSFER_NEW_HOLDER = 29_650;
export const ENERGY_REVERT = 3_000;
export const ENERGY_CONSTANT_READ = 500;

export type Call =
  | { kind: 'transfer'; to: HexAddress; amount: bigint }
  | { kind: 'balanceOf'; owner: HexAddress }
  | { kind: 'decimals' | 'symbol' | 'name' | 'totalSupply' }
  | { kind: 'unknown'; selector: string };

export interface CallResult {
  ok: boolean;
  energy: number;
  output: string;
  revertReason?: string;
}

export interface Receipt {
  fee: bigint;
  netUsage: number;
  netFee: bigint;
  energyUsage: number;
  energyFee: bigint;
  /** TriggerSmartContract only: SUCCESS | REVERT | OUT_OF_ENERGY. */
  result?: 'SUCCESS' | 'REVERT' | 'OUT_OF_ENERGY';
  contractResult: string;
  resMessage?: string;
}

export class ValidationError extends Error {
  constructor(
    readonly code: 'CONTRACT_VALIDATE_ERROR' | 'BANDWITH_ERROR',
    message: string,
  ) {
    super(message);
  }
}

export type Contract =
  | { type: 'TransferContract'; owner: HexAddress; to: HexAddress; amount: bigint }
  | {
      type: 'TriggerSmartContract';
      owner: HexAddress;
      contract: HexAddress;
      data: string;
      callValue: bigint;
      feeLimit: bigint;
    };

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);

function word(v: bigint): string {
  return v.toString(16).padStart(64, '0');
}

function abiString(s: string): string {
  const hex = Buffer.from(s, 'utf8').toString('hex');
  return word(32n) + word(BigInt(s.length)) + hex.padEnd(Math.ceil(hex.length / 64) * 64 || 64, '0');
}

/** ABI of `Error(string)`, as a Solidity `require` revert returns it. */
function revertData(reason: string): string {
  return `08c379a0${abiString(reason)}`;
}

export function decodeCall(data: string): Call {
  const clean = data.replace(/^0x/i, '').toLowerCase();
  const selector = clean.slice(0, 8);
  const arg = (i: number) => clean.slice(8 + i * 64, 8 + (i + 1) * 64);
  const addressArg = (i: number) => `41${arg(i).slice(24)}`;
  switch (selector) {
    case 'a9059cbb':
      if (clean.length < 8 + 128) return { kind: 'unknown', selector };
      return { kind: 'transfer', to: addressArg(0), amount: BigInt(`0x${arg(1)}`) };
    case '70a08231':
      if (clean.length < 8 + 64) return { kind: 'unknown', selector };
      return { kind: 'balanceOf', owner: addressArg(0) };
    case '313ce567':
      return { kind: 'decimals' };
    case '95d89b41':
      return { kind: 'symbol' };
    case '06fdde03':
      return { kind: 'name' };
    case '18160ddd':
      return { kind: 'totalSupply' };
    default:
      return { kind: 'unknown', selector };
  }
}

export class Ledger {
  readonly accounts = new Map<HexAddress, Account>();
  readonly tokens = new Map<HexAddress, Trc20Ledger>();

  constructor(readonly params: ChainParams) {}

  clone(): Ledger {
    const copy = new Ledger(this.params);
    for (const [k, a] of this.accounts) copy.accounts.set(k, { ...a });
    for (const [k, t] of this.tokens) copy.tokens.set(k, { ...t, balances: new Map(t.balances) });
    return copy;
  }

  credit(address: HexAddress, amount: bigint, now: number): void {
    const acc = this.accounts.get(address) ?? { balance: 0n, createTime: now, freeNetUsed: 0 };
    acc.balance += amount;
    this.accounts.set(address, acc);
  }

  /** Runs a TRC-20 call against this state; `write` applies a successful transfer. */
  call(contract: HexAddress, from: HexAddress, data: string, write: boolean): CallResult {
    const token = this.tokens.get(contract);
    if (!token) throw new ValidationError('CONTRACT_VALIDATE_ERROR', 'No contract or not a valid smart contract');
    const call = decodeCall(data);
    switch (call.kind) {
      case 'transfer': {
        const fromBal = token.balances.get(from) ?? 0n;
        if (fromBal < call.amount) {
          return {
            ok: false,
            energy: ENERGY_REVERT,
            output: revertData('ERC20: transfer amount exceeds balance'),
            revertReason: 'REVERT opcode executed',
          };
        }
        const toBal = token.balances.get(call.to) ?? 0n;
        const energy = toBal === 0n && call.to !== from ? ENERGY_TRANSFER_NEW_HOLDER : ENERGY_TRANSFER_EXISTING;
        if (write) {
          token.balances.set(from, fromBal - call.amount);
          token.balances.set(call.to, (token.balances.get(call.to) ?? 0n) + call.amount);
        }
        return { ok: true, energy, output: word(1n) };
      }
      case 'balanceOf':
        return { ok: true, energy: ENERGY_CONSTANT_READ, output: word(token.balances.get(call.owner) ?? 0n) };
      case 'decimals':
        return { ok: true, energy: ENERGY_CONSTANT_READ, output: word(BigInt(token.decimals)) };
      case 'totalSupply':
        return { ok: true, energy: ENERGY_CONSTANT_READ, output: word(token.totalSupply) };
      case 'symbol':
        return { ok: true, energy: ENERGY_CONSTANT_READ, output: abiString(token.symbol) };
      case 'name':
        return { ok: true, energy: ENERGY_CONSTANT_READ, output: abiString(token.name) };
      default:
        return { ok: false, energy: ENERGY_REVERT, output: '', revertReason: 'REVERT opcode executed' };
    }
  }

  /**
   * Validates and executes one transaction (java-tron order: bandwidth, then the actuator's validate + execute).
   * Throws ValidationError for what the node refuses at broadcast; a contract revert is a receipt, not an error.
   */
  execute(contract: Contract, bytes: number, now: number, hasMemo = false): Receipt {
    const owner = this.accounts.get(contract.owner);
    const label = contract.type === 'TransferContract' ? 'TransferContract' : 'TriggerSmartContract';
    if (!owner) throw new ValidationError('CONTRACT_VALIDATE_ERROR', `Validate ${label} error, no OwnerAccount.`);

    // --- bandwidth (BandwidthProcessor) ---
    const createsAccount = contract.type === 'TransferContract' && !this.accounts.has(contract.to);
    let netFee = 0n;
    let netUsage = 0;
    let freeNetUsed = owner.freeNetUsed;
    if (createsAccount) {
      netFee = BigInt(this.params.getCreateAccountFee);
    } else if (freeNetUsed + bytes <= this.params.getFreeNetLimit) {
      freeNetUsed += bytes;
      netUsage = bytes;
    } else {
      netFee = BigInt(bytes * this.params.getTransactionFee);
    }
    if (owner.balance < netFee) throw new ValidationError('BANDWITH_ERROR', 'Account resource insufficient error.');
    const memoFee = hasMemo ? BigInt(this.params.getMemoFee) : 0n;
    if (owner.balance - netFee < memoFee)
      throw new ValidationError('BANDWITH_ERROR', `Account Insufficient balance[${memoFee}] to MemoFee.`);
    const paid = netFee + memoFee;

    if (contract.type === 'TransferContract') {
      if (contract.amount <= 0n) throw new ValidationError('CONTRACT_VALIDATE_ERROR', 'Amount must be greater than 0.');
      if (contract.to === contract.owner)
        throw new ValidationError('CONTRACT_VALIDATE_ERROR', 'Cannot transfer TRX to yourself.');
      const systemFee = createsAccount ? BigInt(this.params.getCreateNewAccountFeeInSystemContract) : 0n;
      if (owner.balance - paid < contract.amount + systemFee) {
        throw new ValidationError(
          'CONTRACT_VALIDATE_ERROR',
          'Validate TransferContract error, balance is not sufficient.',
        );
      }
      const fee = paid + systemFee;
      owner.balance -= contract.amount + fee;
      owner.freeNetUsed = freeNetUsed;
      this.credit(contract.to, contract.amount, now);
      return { fee, netUsage, netFee, energyUsage: 0, energyFee: 0n, contractResult: '' };
    }

    // --- TriggerSmartContract ---
    if (contract.feeLimit < 0n || contract.feeLimit > BigInt(this.params.getMaxFeeLimit)) {
      throw new ValidationError(
        'CONTRACT_VALIDATE_ERROR',
        `feeLimit must be >= 0 and <= ${this.params.getMaxFeeLimit}`,
      );
    }
    if (contract.callValue > 0n)
      throw new ValidationError('CONTRACT_VALIDATE_ERROR', 'callValue is not supported by the test peer');
    if (!this.tokens.has(contract.contract)) {
      throw new ValidationError('CONTRACT_VALIDATE_ERROR', 'No contract or not a valid smart contract');
    }
    const dry = this.clone().call(contract.contract, contract.owner, contract.data, false);
    const price = BigInt(this.params.getEnergyFee);
    // Energy the sender can pay for: min(fee_limit, balance left after bandwidth) / price.
    const affordable = minBig(contract.feeLimit, owner.balance - paid) / price;
    let result: Receipt['result'];
    let energyUsage: number;
    let contractResult = '';
    let resMessage: string | undefined;
    if (BigInt(dry.energy) > affordable) {
      result = 'OUT_OF_ENERGY';
      energyUsage = Number(affordable);
      resMessage = 'Not enough energy for this transaction';
    } else if (!dry.ok) {
      result = 'REVERT';
      energyUsage = dry.energy;
      contractResult = dry.output;
      resMessage = dry.revertReason;
    } else {
      this.call(contract.contract, contract.owner, contract.data, true);
      result = 'SUCCESS';
      energyUsage = dry.energy;
      contractResult = dry.output;
    }
    const energyFee = BigInt(energyUsage) * price;
    const fee = paid + energyFee;
    owner.balance -= fee;
    owner.freeNetUsed = freeNetUsed;
    return { fee, netUsage, netFee, energyUsage, energyFee, result, contractResult, resMessage };
  }
}
