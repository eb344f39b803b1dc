import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { connect, createSession, inParallel, loginNewAccount } from './clients.ts';
import type { CpuMeter } from './cpu.ts';
import type { ServerProcess } from './serverProcess.ts';
import { percentile, round } from './stats.ts';

export interface VersionedWriteOptions {
    event: 'update-metadata' | 'update-state';
    /** Session sockets, each writing its own session (no conflicts), one write in flight each. */
    writers: number;
    durationMs: number;
    cpu: CpuMeter;
}

export interface VersionedWriteResult {
    event: string;
    writers: number;
    writesPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    cpuMicrosPerWrite: number;
}

/**
 * The CLI's compare-and-set writes (`update-metadata` / `update-state`): each writer waits for
 * its ack, then writes again with the version it got, as happy-cli does. An app socket of the
 * account receives every `update-session`, as it would.
 */
export async function runVersionedWrites(server: ServerProcess, options: VersionedWriteOptions): Promise<VersionedWriteResult> {
    const token = await loginNewAccount(server.url);
    const app = await connect(server.url, { token, clientType: 'user-scoped' });
    const sessions = await inParallel(options.writers, 20, () => createSession(server.url, token));
    const writers = await Promise.all(sessions.map((sessionId) => connect(server.url, { token, clientType: 'session-scoped', sessionId })));
    const field = options.event === 'update-metadata' ? 'metadata' : 'agentState';
    const value = randomBytes(512).toString('base64');
    const latencies: number[] = [];
    let measuring = false;
    let running = true;

    const loops = writers.map(async (socket, i) => {
        let version = 0;
        while (running) {
            const started = performance.now();
            const ack = await socket.timeout(10_000).emitWithAck(options.event, { sid: sessions[i], [field]: value, expectedVersion: version });
            if (ack?.result !== 'success') throw new Error(`${options.event}: ${JSON.stringify(ack)}`);
            version = ack.version;
            if (measuring) latencies.push(performance.now() - started);
        }
    });
    await sleep(1_000);
    const measureCpu = await options.cpu();
    measuring = true;
    await sleep(options.durationMs);
    measuring = false;
    const cpuUsed = await measureCpu();
    running = false;
    await Promise.all(loops);
    for (const socket of [app, ...writers]) socket.disconnect();

    latencies.sort((a, b) => a - b);
    return {
        event: options.event,
        writers: options.writers,
        writesPerSecond: round(latencies.length / (options.durationMs / 1000)),
        p50Ms: round(percentile(latencies, 50), 2),
        p99Ms: round(percentile(latencies, 99), 2),
        cpuMicrosPerWrite: round(cpuUsed / Math.max(1, latencies.length)),
    };
}
