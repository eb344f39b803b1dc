import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServerProcess {
    child: ReturnType<typeof spawn>;
    /** Every stdout line so far. */
    lines: string[];
    stderr: string[];
    /** The exit code, or the signal that ended the process. */
    exited: Promise<number | NodeJS.Signals | null>;
    /** The first stdout line `isReady` accepts; rejects if the process exits first. */
    ready: Promise<string>;
}

/**
 * The server as an operator runs it: `node <args>` with only `env` (and PATH) set, on ephemeral
 * ports (API and metrics) unless `env` says otherwise.
 */
export function spawnServer(args: string[], env: Record<string, string>, isReady: (line: string) => boolean): ServerProcess {
    const child = spawn(process.execPath, args, {
        env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const stderr: string[] = [];
    child.stderr.on('data', (chunk) => stderr.push(String(chunk)));
    const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    const ready = new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
            lines.push(line);
            if (isReady(line)) resolve(line);
        });
        exited.then((code) => reject(new Error(`exited with ${code}: ${stderr.join('')}`)));
    });
    ready.catch(() => {}); // a test that expects a failed start awaits `exited` instead
    return { child, lines, stderr, exited, ready };
}
