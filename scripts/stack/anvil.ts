import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, waitFor } from './ports.js';
import { type ManagedProcess, startProcess } from './process.js';

export interface AnvilHandle {
  rpcUrl: string;
  port: number;
  stop(): Promise<void>;
}

export function anvilBinary(): string {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil');
}

/** Starts anvil (chain id 31337) with interval mining so confirmations keep growing. */
export async function startAnvil(
  opts: { port?: number; blockTime?: number; stateFile?: string; verbose?: boolean } = {},
): Promise<AnvilHandle> {
  const port = opts.port ?? (await freePort());
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', '31337', '--silent'];
  args.push('--block-time', String(opts.blockTime ?? 1));
  if (opts.stateFile) args.push('--state', opts.stateFile);
  const proc: ManagedProcess = startProcess(anvilBinary(), args, { name: 'anvil', verbose: opts.verbose });
  const rpcUrl = `http://127.0.0.1:${port}`;
  await waitFor('anvil', async () => {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    return res.ok;
  });
  return { rpcUrl, port, stop: () => proc.stop() };
}
