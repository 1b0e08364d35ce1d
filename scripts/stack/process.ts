import { type ChildProcess, spawn } from 'node:child_process';

export interface ManagedProcess {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a long-running helper process; its output goes to `logPrefix`-tagged stderr only when `verbose`. */
export function startProcess(
  cmd: string,
  args: string[],
  opts: { verbose?: boolean; name: string; env?: NodeJS.ProcessEnv },
): ManagedProcess {
  const child = spawn(cmd, args, {
    stdio: opts.verbose ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'ignore', 'pipe'],
    env: opts.env ?? process.env,
  });
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    if (code && code !== 0 && !stopping) {
      process.stderr.write(`[${opts.name}] exited with ${code ?? signal}\n${stderrTail}\n`);
    }
  });
  let stopping = false;
  return {
    child,
    stop(graceMs = 5000) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
