import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { hottestFunctions, type HotFunction, type Window } from './cpuProfile.ts';

/**
 * The real server (`sources/main.ts serve`), or another script such as the bare relay, in a
 * child process, so its RSS and CPU time are its own. With `cpuProfile`, the process runs under
 * V8's profiler and `stop` returns where its CPU time went.
 */
export interface ServerProcess {
    url: string;
    pid: number;
    rssBytes(): Promise<number>;
    /** With `cpuProfile` and a `window`, returns the hottest functions of that window. */
    stop(window?: Window): Promise<HotFunction[] | undefined>;
}

export interface ServerProcessOptions {
    script?: string[];
    cpuProfile?: boolean;
    /** Another checkout to run the script from (comparing two versions in one run). */
    cwd?: string;
}

export async function startServerProcess(env: Record<string, string>, options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const { script = ['sources/main.ts', 'serve'], cpuProfile = false, cwd } = options;
    const dataDir = await mkdtemp(join(tmpdir(), 'happy-bench-'));
    const profileDir = join(dataDir, 'profile');
    const profiling = cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const child: ChildProcess = spawn(process.execPath, [...profiling, '--import', 'tsx', ...script], {
        env: {
            PATH: process.env.PATH ?? '',
            PORT: '0',
            HOST: '127.0.0.1',
            LOG_LEVEL: 'info',
            DATA_DIR: dataDir,
            HANDY_MASTER_SECRET: 'bench-secret',
            ...env,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
        cwd,
    });
    const port = await new Promise<number>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
            try {
                const record = JSON.parse(line);
                if (record.msg === 'ready') resolve(record.port);
            } catch {
                // not a log line
            }
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    return {
        url: `http://127.0.0.1:${port}`,
        pid: child.pid!,
        async rssBytes() {
            const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
            const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
            return kb * 1024;
        },
        async stop(window) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
            const hot = cpuProfile && window ? await hottestFunctions(profileDir, window) : undefined;
            await rm(dataDir, { recursive: true, force: true });
            return hot;
        },
    };
}
