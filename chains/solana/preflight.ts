/**
 * Preflight: checks balances (SOL, token, rent-exempt minimums), decides the token accounts, fetches a blockhash
 * and prices the exact message the build step will compile. User problems go to `errors`; RPC failures throw.
 */
import {
  ACCOUNT_SIZE,
  ExtensionType,
  getAccountLen,
  getAccountTypeOfMintType,
  getAssociatedTokenAddressSync,
  getExtensionTypes,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  unpackMint,
} from '@solana/spl-token';
import { type AccountInfo, PublicKey, VersionedMessage, VersionedTransaction } from '@solana/web3.js';
import { chainError, ErrorId } from '../../errors/codes.js';
import { formatAmount } from '../amount.js';
import { capOf, feeCapIssue, maxFeeIssue } from '../fee-caps.js';
import type { NetworkConfig, PreflightIssue, PreflightResult, TransferIntent } from '../types.js';
import { isOnCurve, solanaAddressFromPublicKey, validateSolanaAddress } from './address.js';
import { type SolanaTransferContext, transferMessage } from './build.js';
import { priorityConfigOf, priorityPrice, simulatedUnitLimit } from './compute-budget.js';
import { SolanaErrorId } from './errors.js';
import { COMMITMENT, type SolanaRpc } from './rpc.js';

/** Generous compute-unit limits, used to simulate (and when simulation fails): the simulated units replace them. */
const UNITS = { native: 2_000, token: 20_000, createAta: 60_000, memo: 50_000 };

/** An operator's fixed compute-unit limit (`params.computeUnitLimit`) replaces the simulation. */
function fixedUnitLimit(network: NetworkConfig): number | undefined {
  const limit = network.params?.computeUnitLimit;
  return typeof limit === 'number' ? limit : undefined;
}

/** The unsigned transaction of a message (zeroed signature), for simulateTransaction with sigVerify off. */
function unsignedTransaction(message: Uint8Array): string {
  return Buffer.from(new VersionedTransaction(VersionedMessage.deserialize(message)).serialize()).toString('base64');
}

function result(
  errors: PreflightIssue[],
  warnings: PreflightIssue[],
  fee: bigint,
  totalSpent: bigint,
  context: SolanaTransferContext | Record<string, never>,
): PreflightResult {
  return { errors, warnings, fee: fee.toString(), totalSpent: totalSpent.toString(), context: { ...context } };
}

export async function solanaPreflight(
  rpc: SolanaRpc,
  network: NetworkConfig,
  intent: TransferIntent,
): Promise<PreflightResult> {
  const { connection } = rpc;
  const errors: PreflightIssue[] = [];
  const warnings: PreflightIssue[] = [];
  if (solanaAddressFromPublicKey(intent.from.publicKey) !== intent.from.address) {
    errors.push({ id: ErrorId.BadRequest, message: 'sender address does not match its public key' });
  }
  if (!validateSolanaAddress(intent.to))
    errors.push({ id: ErrorId.BadTo, message: `${intent.to} is not a Solana address` });
  if (errors.length) return result(errors, warnings, 0n, 0n, {});

  const from = new PublicKey(intent.from.address);
  const to = new PublicKey(intent.to);
  const amount = BigInt(intent.rawAmount);
  const sol = network.nativeDecimals;
  // Called directly: Connection.getLatestBlockhash rewraps RPC errors into a plain Error without the code.
  const latest = await rpc.call<{ value: { blockhash: string; lastValidBlockHeight: number } }>('getLatestBlockhash', [
    { commitment: COMMITMENT },
  ]);
  const { blockhash, lastValidBlockHeight } = latest.value;
  const rentExemptEmpty = BigInt(await connection.getMinimumBalanceForRentExemption(0, COMMITMENT));
  const { floor } = priorityConfigOf(network);
  const priorityCap = capOf(network, 'maxPriorityMicroLamports');
  if (priorityCap !== undefined && BigInt(floor) > priorityCap) {
    errors.push(feeCapIssue(`priority fee ${floor} micro-lamports per CU is above the network cap ${priorityCap}`));
    return result(errors, warnings, 0n, 0n, {});
  }
  const memoUnits = intent.memo ? UNITS.memo : 0;

  let ctx: SolanaTransferContext;
  let fromAcc: AccountInfo<Buffer> | null;
  let rentFee = 0n;
  let tokenShortfall: PreflightIssue | undefined;

  if (intent.token.kind === 'native') {
    const [payer, recipient] = await connection.getMultipleAccountsInfo([from, to], COMMITMENT);
    fromAcc = payer ?? null;
    ctx = { blockhash, lastValidBlockHeight, kind: 'native', computeUnitLimit: UNITS.native + memoUnits };
    if (!recipient && amount < rentExemptEmpty) {
      errors.push({
        id: ErrorId.BadAmount,
        message: `${intent.to} does not exist yet; the first transfer must be at least ${formatAmount(rentExemptEmpty, sol)} SOL (rent-exempt minimum)`,
      });
    }
  } else {
    const mint = new PublicKey(intent.token.address);
    const [payer, recipient, mintAcc] = await connection.getMultipleAccountsInfo([from, to, mint], COMMITMENT);
    fromAcc = payer ?? null;
    const tokenProgram = mintAcc?.owner;
    if (
      !mintAcc ||
      !tokenProgram ||
      !(tokenProgram.equals(TOKEN_PROGRAM_ID) || tokenProgram.equals(TOKEN_2022_PROGRAM_ID))
    ) {
      errors.push({
        id: ErrorId.TokenUnsupported,
        message: `${mint.toBase58()} is not an SPL token mint on ${network.name}`,
      });
      return result(errors, warnings, 0n, 0n, {});
    }
    const mintState = unpackMint(mint, mintAcc, tokenProgram);
    if (mintState.decimals !== intent.token.decimals) {
      errors.push({
        id: ErrorId.TokenUnsupported,
        message: `mint ${mint.toBase58()} has ${mintState.decimals} decimals, configured ${intent.token.decimals}`,
      });
      return result(errors, warnings, 0n, 0n, {});
    }
    const source = getAssociatedTokenAddressSync(mint, from, true, tokenProgram);

    // Destination: the recipient's associated token account, unless `to` already is a token account of this mint.
    let destination: PublicKey;
    let recipientOwner: PublicKey;
    if (
      recipient?.owner.equals(tokenProgram) &&
      recipient.data.length >= 165 &&
      mint.equals(new PublicKey(recipient.data.subarray(0, 32)))
    ) {
      destination = to;
      recipientOwner = new PublicKey(recipient.data.subarray(32, 64));
      warnings.push({
        id: 'recipient_is_token_account',
        message: `${intent.to} is a token account; sending to it directly`,
      });
    } else if (!isOnCurve(intent.to)) {
      errors.push({
        id: ErrorId.BadTo,
        message: `${intent.to} is a program-derived address, not a wallet; refusing to create a token account for it`,
      });
      return result(errors, warnings, 0n, 0n, {});
    } else {
      destination = getAssociatedTokenAddressSync(mint, to, false, tokenProgram);
      recipientOwner = to;
    }
    const [sourceAcc, destAcc] = await connection.getMultipleAccountsInfo([source, destination], COMMITMENT);
    const createRecipientAta = !destAcc;
    if (createRecipientAta) {
      const len = tokenProgram.equals(TOKEN_2022_PROGRAM_ID)
        ? getAccountLen([
            ...getExtensionTypes(mintState.tlvData).map(getAccountTypeOfMintType),
            ExtensionType.ImmutableOwner,
          ])
        : ACCOUNT_SIZE;
      rentFee = BigInt(await connection.getMinimumBalanceForRentExemption(len, COMMITMENT));
      warnings.push({
        id: 'recipient_token_account_created',
        message: `the recipient has no ${intent.token.symbol ?? 'token'} account; it is created in this transaction (rent ${formatAmount(rentFee, sol)} SOL, paid by the sender, included in the fee)`,
      });
    }
    const tokenBalance = sourceAcc
      ? BigInt((await connection.getTokenAccountBalance(source, COMMITMENT)).value.amount)
      : 0n;
    if (tokenBalance < amount) {
      tokenShortfall = {
        id: ErrorId.InsufficientFunds,
        message: `the token balance is less than ${formatAmount(amount, intent.token.decimals)}`,
      };
    }
    ctx = {
      blockhash,
      lastValidBlockHeight,
      kind: 'token',
      mint: mint.toBase58(),
      tokenProgram: tokenProgram.toBase58(),
      decimals: mintState.decimals,
      source: source.toBase58(),
      destination: destination.toBase58(),
      recipientOwner: recipientOwner.toBase58(),
      createRecipientAta,
    };
    ctx.computeUnitLimit = UNITS.token + (createRecipientAta ? UNITS.createAta : 0) + memoUnits;
  }

  // Compute budget on every transfer: the market's price for the accounts it writes, the simulated units.
  const writable =
    ctx.kind === 'native' ? [from, to] : [from, new PublicKey(ctx.source!), new PublicKey(ctx.destination!)];
  const price = await priorityPrice(rpc, network, writable);
  ctx.priorityMicroLamports = price.microLamports;
  if (price.cappedFrom !== undefined)
    warnings.push({
      id: 'priority_fee_capped',
      message: `recent slots paid ${price.cappedFrom} micro-lamports per CU; bidding the network cap ${price.microLamports}`,
    });
  const fixed = fixedUnitLimit(network);
  ctx.computeUnitLimit =
    fixed ?? (await simulatedUnitLimit(rpc, unsignedTransaction(transferMessage(intent, ctx)))) ?? ctx.computeUnitLimit;

  // Price the exact message build will produce.
  const message = transferMessage(intent, ctx);
  const feeValue = (await connection.getFeeForMessage(VersionedMessage.deserialize(message), COMMITMENT)).value;
  if (feeValue === null) {
    // The blockhash expired between two calls (a lagging RPC node): trying again fetches a fresh one.
    throw chainError(SolanaErrorId.BlockhashExpired, 'blockhash expired during preflight', 'retryable');
  }
  const networkFee = BigInt(feeValue);
  const fee = networkFee + rentFee;
  ctx.networkFee = networkFee.toString();
  ctx.rentFee = rentFee.toString();

  const lamports = BigInt(fromAcc?.lamports ?? 0);
  const totalSpent = intent.token.kind === 'native' ? amount + fee : fee;
  if (tokenShortfall) errors.push(tokenShortfall);
  // Counts rent for a created token account too: the sender pays it as part of this transfer.
  const overMax = maxFeeIssue(fee, intent.maxFee, 'lamports');
  if (overMax) errors.push(overMax);
  if (totalSpent > lamports) {
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: `the SOL balance is less than ${formatAmount(totalSpent, sol)} (${intent.token.kind === 'native' ? 'amount + fee' : 'fee'})`,
    });
  } else if (lamports - totalSpent > 0n && lamports - totalSpent < rentExemptEmpty) {
    errors.push({
      id: ErrorId.InsufficientFunds,
      message: `this would leave less than the rent-exempt minimum of ${formatAmount(rentExemptEmpty, sol)} SOL in the wallet; send less or everything`,
    });
  }
  return result(errors, warnings, fee, totalSpent, ctx);
}
