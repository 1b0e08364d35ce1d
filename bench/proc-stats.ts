/** CPU time and RSS of other processes from /proc (Linux): utime + stime of every thread, VmRSS. */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

function rssMb(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface StatsSample {
  /** Sum over the processes, ms of CPU since they started; undefined when one is unknown. */
  cpuMs: number | undefined;
  byProcess: Record<string, number>;
  workerRssMb: number | undefined;
}

export function processStats(pids: { api?: number; worker?: number; signing?: number }) {
  return {
    sample(): StatsSample {
      const byProcess: Record<string, number> = {};
      let total: number | undefined = 0;
      for (const [name, pid] of Object.entries(pids)) {
        const ms = pid === undefined ? undefined : cpuMs(pid);
        if (ms === undefined) total = undefined;
        else {
          byProcess[name] = ms;
          if (total !== undefined) total += ms;
        }
      }
      return { cpuMs: total, byProcess, workerRssMb: pids.worker ? rssMb(pids.worker) : undefined };
    },
  };
}
