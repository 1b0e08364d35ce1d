/**
 * Compiles test/fixtures/TestToken.sol with solc (wasm, from npm) and deploys it to anvil
 * from one of anvil's well-known dev accounts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Abi, createWalletClient, type Hex, http, parseAbi } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createEvmClient } from '../../chains/evm/client.js';

/** anvil's first default account (public, dev-only). */
export const ANVIL_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const;

let compiled: { abi: Abi; bytecode: Hex } | undefined;

export function compileTestToken(): { abi: Abi; bytecode: Hex } {
  if (compiled) return compiled;
  const require = createRequire(import.meta.url);
  const solc = require('solc');
  const input = {
    language: 'Solidity',
    sources: {
      'TestToken.sol': { content: readFileSync(new URL('../fixtures/TestToken.sol', import.meta.url), 'utf8') },
    },
    settings: { outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
  if (errors.length) throw new Error(`solc: ${JSON.stringify(errors)}`);
  const c = out.contracts['TestToken.sol'].TestToken;
  compiled = { abi: c.abi as Abi, bytecode: `0x${c.evm.bytecode.object}` as Hex };
  return compiled;
}

function anvilChain(rpcUrl: string) {
  return {
    id: 31337,
    name: 'anvil',
    nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
}

export const testTokenAbi = parseAbi([
  'function mint(address to, uint256 amount)',
  'function block(address who)',
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
]);

export async function deployTestToken(rpcUrl: string, decimals = 6): Promise<Hex> {
  const { abi, bytecode } = compileTestToken();
  const account = privateKeyToAccount(ANVIL_DEV_KEY);
  const wallet = createWalletClient({ account, transport: http(rpcUrl) });
  const client = createEvmClient(rpcUrl);
  const hash = await wallet.deployContract({ abi, bytecode, args: [decimals], chain: anvilChain(rpcUrl) });
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  if (!receipt.contractAddress) throw new Error('token deployment failed');
  return receipt.contractAddress;
}

export function mintTestToken(rpcUrl: string, token: Hex, to: Hex, amount: bigint): Promise<void> {
  return writeToken(rpcUrl, token, 'mint', [to, amount]);
}

/** Makes transfers to `who` revert (USDC-style blacklist). */
export function blockOnTestToken(rpcUrl: string, token: Hex, who: Hex): Promise<void> {
  return writeToken(rpcUrl, token, 'block', [who]);
}

async function writeToken(
  rpcUrl: string,
  token: Hex,
  functionName: 'mint' | 'block',
  args: readonly unknown[],
): Promise<void> {
  const account = privateKeyToAccount(ANVIL_DEV_KEY);
  const wallet = createWalletClient({ account, transport: http(rpcUrl) });
  const client = createEvmClient(rpcUrl);
  const hash = await wallet.writeContract({
    address: token,
    abi: testTokenAbi,
    functionName,
    args: args as never,
    chain: anvilChain(rpcUrl),
  });
  await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
}
