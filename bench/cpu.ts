import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time from /proc (user + system), for the child server process and for the Postgres
 * backends that serve it: the cost of a message is what every process involved spends on it.
 */

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU microseconds the process has used so far (0 once it is gone). */
export async function processCpuMicros(pid: number): Promise<number> {
    try {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
    } catch {
        return 0;
    }
}

/** CPU microseconds used so far by every process of the local Postgres server. */
export async function postgresCpuMicros(): Promise<number> {
    let total = 0;
    for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
        if (comm.trim() === 'postgres') total += await processCpuMicros(Number(entry));
    }
    return total;
}
