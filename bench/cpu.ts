import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time from /proc (user + system), for the child server processes and for the Postgres
 * processes that serve them: the cost of a message is what every process involved spends on it.
 */

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU microseconds the process has used so far (undefined once it is gone). */
export async function processCpuMicros(pid: number): Promise<number | undefined> {
    try {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
    } catch {
        return undefined;
    }
}

async function postgresPids(): Promise<number[]> {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
        if (comm.trim() === 'postgres') pids.push(Number(entry));
    }
    return pids;
}

/** Starts measuring; what it returns gives the CPU microseconds used since. */
export type CpuMeter = () => Promise<() => Promise<number>>;

/**
 * A meter over `pids` (and every Postgres process with `postgres`), process by process: one that
 * starts meanwhile counts from zero, one that exits meanwhile (an autovacuum worker) is left
 * out, instead of its whole past disappearing from a sum.
 */
export function cpuMeter(pids: () => number[], postgres: boolean): CpuMeter {
    const sample = async () => {
        const all = [...pids(), ...(postgres ? await postgresPids() : [])];
        const readings = await Promise.all(all.map(async (pid) => [pid, await processCpuMicros(pid)] as const));
        return new Map(readings.filter((reading): reading is readonly [number, number] => reading[1] !== undefined));
    };
    return async () => {
        const before = await sample();
        return async () => {
            let used = 0;
            for (const [pid, micros] of await sample()) used += micros - (before.get(pid) ?? 0);
            return used;
        };
    };
}
