/**
 * litesvm's native error objects → the JSON (serde) shape and Display text an Agave validator's RPC returns,
 * e.g. `{"InstructionError":[0,{"Custom":1}]}` / "Error processing Instruction 0: custom program error: 0x1".
 */
import type { FailedTransactionMetadata } from 'litesvm';
// The error classes are not re-exported from litesvm's index.
import {
  InstructionErrorCustom,
  TransactionErrorDuplicateInstruction,
  TransactionErrorInstructionError,
  TransactionErrorInsufficientFundsForRent,
  TransactionErrorProgramExecutionTemporarilyRestricted,
} from 'litesvm/dist/internal.js';

/** TransactionErrorFieldless variants, in litesvm's (and Agave's) order. */
const TX_ERRORS = [
  'AccountInUse',
  'AccountLoadedTwice',
  'AccountNotFound',
  'ProgramAccountNotFound',
  'InsufficientFundsForFee',
  'InvalidAccountForFee',
  'AlreadyProcessed',
  'BlockhashNotFound',
  'CallChainTooDeep',
  'MissingSignatureForFee',
  'InvalidAccountIndex',
  'SignatureFailure',
  'InvalidProgramForExecution',
  'SanitizeFailure',
  'ClusterMaintenance',
  'AccountBorrowOutstanding',
  'WouldExceedMaxBlockCostLimit',
  'UnsupportedVersion',
  'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit',
  'WouldExceedAccountDataBlockLimit',
  'TooManyAccountLocks',
  'AddressLookupTableNotFound',
  'InvalidAddressLookupTableOwner',
  'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex',
  'InvalidRentPayingAccount',
  'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit',
  'MaxLoadedAccountsDataSizeExceeded',
  'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit',
  'UnbalancedTransaction',
  'ProgramCacheHitMaxLimit',
  'CommitCancelled',
] as const;

/** InstructionErrorFieldless variants, in order. */
const IX_ERRORS = [
  'GenericError',
  'InvalidArgument',
  'InvalidInstructionData',
  'InvalidAccountData',
  'AccountDataTooSmall',
  'InsufficientFunds',
  'IncorrectProgramId',
  'MissingRequiredSignature',
  'AccountAlreadyInitialized',
  'UninitializedAccount',
  'UnbalancedInstruction',
  'ModifiedProgramId',
  'ExternalAccountLamportSpend',
  'ExternalAccountDataModified',
  'ReadonlyLamportChange',
  'ReadonlyDataModified',
  'DuplicateAccountIndex',
  'ExecutableModified',
  'RentEpochModified',
  'NotEnoughAccountKeys',
  'AccountDataSizeChanged',
  'AccountNotExecutable',
  'AccountBorrowFailed',
  'AccountBorrowOutstanding',
  'DuplicateAccountOutOfSync',
  'InvalidError',
  'ExecutableDataModified',
  'ExecutableLamportChange',
  'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId',
  'CallDepth',
  'MissingAccount',
  'ReentrancyNotAllowed',
  'MaxSeedLengthExceeded',
  'InvalidSeeds',
  'InvalidRealloc',
  'ComputationalBudgetExceeded',
  'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure',
  'ProgramFailedToComplete',
  'ProgramFailedToCompile',
  'Immutable',
  'IncorrectAuthority',
  'AccountNotRentExempt',
  'InvalidAccountOwner',
  'ArithmeticOverflow',
  'UnsupportedSysvar',
  'IllegalOwner',
  'MaxAccountsDataAllocationsExceeded',
  'MaxAccountsExceeded',
  'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits',
  'BorshIoError',
] as const;

/** Agave's Display text for the common transaction errors. */
const TX_TEXT: Record<string, string> = {
  AccountInUse: 'Account in use',
  AccountLoadedTwice: 'Account loaded twice',
  AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
  ProgramAccountNotFound: 'Attempt to load a program that does not exist',
  InsufficientFundsForFee: 'Insufficient funds for fee',
  InvalidAccountForFee: 'This account may not be used to pay transaction fees',
  AlreadyProcessed: 'This transaction has already been processed',
  BlockhashNotFound: 'Blockhash not found',
  MissingSignatureForFee: 'Transaction requires a fee but has no signature present',
  InvalidAccountIndex: 'Transaction contains an invalid account reference',
  SignatureFailure: 'Transaction did not pass signature verification',
  InvalidProgramForExecution: 'This program may not be used for executing instructions',
  SanitizeFailure: 'Transaction failed to sanitize accounts offsets correctly',
  UnsupportedVersion: 'Transaction version is unsupported',
  InvalidWritableAccount: 'Transaction loads a writable account that cannot be written',
};

const IX_TEXT: Record<string, string> = {
  GenericError: 'generic instruction error',
  InvalidArgument: 'invalid program argument',
  InvalidInstructionData: 'invalid instruction data',
  InvalidAccountData: 'invalid account data for instruction',
  AccountDataTooSmall: 'account data too small for instruction',
  InsufficientFunds: 'insufficient funds for instruction',
  IncorrectProgramId: 'incorrect program id for instruction',
  MissingRequiredSignature: 'missing required signature for instruction',
  AccountAlreadyInitialized: 'instruction requires an uninitialized account',
  UninitializedAccount: 'instruction requires an initialized account',
  ComputationalBudgetExceeded: 'Computational budget exceeded',
  IllegalOwner: 'Provided owner is not allowed',
};

export type TransactionErrorJson = string | Record<string, unknown>;

export interface RpcTransactionError {
  /** What the RPC puts in `data.err` / status `err`. */
  json: TransactionErrorJson;
  /** Agave's Display text ("Blockhash not found"). */
  text: string;
}

export function fieldlessError(name: (typeof TX_ERRORS)[number]): RpcTransactionError {
  return { json: name, text: TX_TEXT[name] ?? name };
}

export function toRpcError(failed: FailedTransactionMetadata): RpcTransactionError {
  const err: unknown = failed.err();
  if (typeof err === 'number') {
    const name = TX_ERRORS[err] ?? 'SanitizeFailure';
    return { json: name, text: TX_TEXT[name] ?? name };
  }
  if (err instanceof TransactionErrorInstructionError) {
    const inner: unknown = err.err();
    let json: TransactionErrorJson;
    let text: string;
    if (inner instanceof InstructionErrorCustom) {
      json = { Custom: inner.code };
      text = `custom program error: 0x${inner.code.toString(16)}`;
    } else if (typeof inner === 'number') {
      const name = IX_ERRORS[inner] ?? 'GenericError';
      json = name;
      text = IX_TEXT[name] ?? name;
    } else {
      const msg = (inner as { msg?: string }).msg ?? '';
      json = { BorshIoError: msg };
      text = `Failed to serialize or deserialize account data: ${msg}`;
    }
    return {
      json: { InstructionError: [err.index, json] },
      text: `Error processing Instruction ${err.index}: ${text}`,
    };
  }
  if (err instanceof TransactionErrorInsufficientFundsForRent) {
    return {
      json: { InsufficientFundsForRent: { account_index: err.accountIndex } },
      text: `Transaction results in an account (${err.accountIndex}) with insufficient funds for rent`,
    };
  }
  if (err instanceof TransactionErrorDuplicateInstruction) {
    return {
      json: { DuplicateInstruction: err.index },
      text: `Transaction contains a duplicate instruction (${err.index}) that is not allowed`,
    };
  }
  if (err instanceof TransactionErrorProgramExecutionTemporarilyRestricted) {
    return {
      json: { ProgramExecutionTemporarilyRestricted: { account_index: err.accountIndex } },
      text: `Execution of the program referenced by account at index ${err.accountIndex} is temporarily restricted.`,
    };
  }
  return { json: 'SanitizeFailure', text: String(err) };
}

/**
 * Errors a leader drops without landing the transaction (no fee charged, nothing in the status cache);
 * every other error lands the transaction as failed, fee paid.
 */
export function isDroppedError(json: TransactionErrorJson): boolean {
  return (
    typeof json === 'string' &&
    [
      'AccountNotFound',
      'InsufficientFundsForFee',
      'InvalidAccountForFee',
      'AlreadyProcessed',
      'BlockhashNotFound',
      'SignatureFailure',
      'SanitizeFailure',
      'MissingSignatureForFee',
      'AccountInUse',
      'AccountLoadedTwice',
      'UnsupportedVersion',
      'TooManyAccountLocks',
    ].includes(json)
  );
}
