import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import { connect, createMachine, createSession, inParallel, loginNewAccount } from './clients.ts';
import type { CpuMeter } from './cpu.ts';
import type { ServerProcess } from './serverProcess.ts';
import { round } from './stats.ts';

export interface HeartbeatOptions {
    accounts: number;
    /** Per account: that many CLI session sockets (`session-alive` every 2 s) and daemons (`machine-alive` every 20 s). */
    perAccount: number;
    durationMs: number;
    cpu: CpuMeter;
}

export interface HeartbeatResult {
    sockets: number;
    heartbeatsPerSecond: number;
    /** Activity ephemerals the apps received per second (one per accepted heartbeat). */
    announcedPerSecond: number;
    cpuMicrosPerHeartbeat: number;
    /** Share of one core the server side needs for this presence load. */
    cpuCores: number;
}

const SESSION_BEAT_MS = 2_000;
const MACHINE_BEAT_MS = 20_000;

/**
 * Presence at scale: `accounts` accounts, each with an app socket and `perAccount` running
 * sessions and daemons heartbeating at the CLI's rates, phases spread evenly. Reports what a
 * heartbeat costs the server (the debounced writes included) and that each is announced.
 */
export async function runHeartbeats(server: ServerProcess, options: HeartbeatOptions): Promise<HeartbeatResult> {
    const beaters: Array<{ socket: Socket; beat: () => void; everyMs: number }> = [];
    let announced = 0;
    const apps = await inParallel(options.accounts, 10, async () => {
        const token = await loginNewAccount(server.url);
        const app = await connect(server.url, { token, clientType: 'user-scoped' });
        app.on('ephemeral', () => announced++);
        const sessions = await inParallel(options.perAccount, 10, () => createSession(server.url, token));
        const machines = await inParallel(options.perAccount, 10, () => createMachine(server.url, token));
        for (const sid of sessions) {
            const socket = await connect(server.url, { token, clientType: 'session-scoped', sessionId: sid });
            beaters.push({ socket, everyMs: SESSION_BEAT_MS, beat: () => socket.emit('session-alive', { sid, time: Date.now(), thinking: false }) });
        }
        for (const machineId of machines) {
            const socket = await connect(server.url, { token, clientType: 'machine-scoped', machineId });
            beaters.push({ socket, everyMs: MACHINE_BEAT_MS, beat: () => socket.emit('machine-alive', { machineId, time: Date.now() }) });
        }
        return app;
    });

    let sent = 0;
    let counting = false;
    const timers = beaters.map(({ beat, everyMs }) =>
        setTimeout(() => {
            const tick = () => {
                beat();
                if (counting) sent++;
            };
            tick();
            timers.push(setInterval(tick, everyMs));
        }, Math.random() * everyMs),
    );
    await sleep(MACHINE_BEAT_MS);
    const announcedBefore = announced;
    const measureCpu = await options.cpu();
    counting = true;
    await sleep(options.durationMs);
    counting = false;
    const cpuUsed = await measureCpu();
    const announcedDuring = announced - announcedBefore;
    for (const timer of timers) clearInterval(timer);
    for (const socket of [...apps, ...beaters.map((b) => b.socket)]) socket.disconnect();

    const seconds = options.durationMs / 1000;
    return {
        sockets: beaters.length + apps.length,
        heartbeatsPerSecond: round(sent / seconds),
        announcedPerSecond: round(announcedDuring / seconds),
        cpuMicrosPerHeartbeat: round(cpuUsed / Math.max(1, sent), 2),
        cpuCores: round(cpuUsed / 1e6 / seconds, 2),
    };
}
