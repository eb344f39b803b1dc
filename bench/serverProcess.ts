import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The real server (`sources/main.ts serve`) in a child process, so its RSS is its own. */
export interface ServerProcess {
    url: string;
    pid: number;
    rssBytes(): Promise<number>;
    stop(): Promise<void>;
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
    const dataDir = await mkdtemp(join(tmpdir(), 'happy-bench-'));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'sources/main.ts', 'serve'], {
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
        async stop() {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
            await rm(dataDir, { recursive: true, force: true });
        },
    };
}
