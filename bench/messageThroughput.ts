import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { connect, createSession, inParallel, loginNewAccount } from './clients.ts';
import type { CpuMeter } from './cpu.ts';
import { monotonicMicros, type Window } from './cpuProfile.ts';

const noCpu: CpuMeter = async () => async () => 0;
import type { ServerProcess } from './serverProcess.ts';
import { percentile, round } from './stats.ts';

export interface ThroughputOptions {
    /** Where the app socket connects; another node than the senders' for the cross-node run. */
    appServer?: ServerProcess;
    senders: number;
    /** Messages each sender keeps in flight (sent, not yet seen by the app). */
    inflight: number;
    durationMs: number;
    warmupMs: number;
    /** CPU used by everything serving the messages (server processes, database). */
    cpu: CpuMeter;
    /** The part of it a separate database server used (Postgres), to report on its own. */
    databaseCpu?: CpuMeter;
}

export interface ThroughputResult extends Omit<ThroughputOptions, 'appServer' | 'cpu' | 'databaseCpu'> {
    sent: number;
    delivered: number;
    lost: number;
    messagesPerSecond: number;
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    /** CPU time spent by the server side per message delivered in the measured window. */
    cpuMicrosPerMessage: number;
    /** Of which the Postgres processes (0 for PGlite, which runs in the server). */
    databaseCpuMicrosPerMessage: number;
    /** The measured window, for picking its samples out of a CPU profile. */
    window: Window;
    serverRssMb: number;
}

/**
 * Scenario 1: N session-scoped sockets (one session each, like N CLIs) send 256-byte encrypted
 * messages with the `message` event; one user-scoped socket of the same account (the app)
 * receives the `new-message` updates. Closed loop: each sender sends its next message when the
 * app has received one of its outstanding ones, so the rate is what the server sustains.
 */
export async function runMessageThroughput(server: ServerProcess, options: ThroughputOptions): Promise<ThroughputResult> {
    const token = await loginNewAccount(server.url);
    const sessions = await inParallel(options.senders, 20, () => createSession(server.url, token));
    const app = await connect((options.appServer ?? server).url, { token, clientType: 'user-scoped' });
    const senders = await Promise.all(
        sessions.map((sessionId) => connect(server.url, { token, clientType: 'session-scoped', sessionId })),
    );

    const payload = randomBytes(256).toString('base64');
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let sent = 0;
    let delivered = 0;
    let measuredFrom = Number.POSITIVE_INFINITY;
    let sendingUntil = 0;
    let counter = 0;

    const send = (index: number) => {
        const localId = `${index}-${counter++}`;
        sentAt.set(localId, performance.now());
        sent++;
        senders[index]!.emit('message', { sid: sessions[index], message: payload, localId });
    };

    const allDelivered = new Promise<void>((resolve) => {
        app.on('update', (update: { body: { t: string; message?: { localId: string } } }) => {
            if (update.body.t !== 'new-message' || !update.body.message) return;
            const localId = update.body.message.localId;
            const started = sentAt.get(localId);
            if (started === undefined) return;
            sentAt.delete(localId);
            delivered++;
            const now = performance.now();
            if (started >= measuredFrom && now <= sendingUntil) latencies.push(now - started);
            if (now < sendingUntil) send(Number(localId.split('-')[0]));
            else if (sentAt.size === 0) resolve();
        });
    });

    const begin = performance.now();
    measuredFrom = begin + options.warmupMs;
    sendingUntil = measuredFrom + options.durationMs;
    for (let i = 0; i < senders.length; i++) for (let k = 0; k < options.inflight; k++) send(i);
    await sleep(options.warmupMs);
    const [measureCpu, measureDatabase] = [await options.cpu(), await (options.databaseCpu ?? noCpu)()];
    const fromMicros = monotonicMicros();
    await sleep(options.durationMs);
    const [cpuUsed, databaseUsed] = [await measureCpu(), await measureDatabase()];
    const window = { fromMicros, toMicros: monotonicMicros() };
    await Promise.race([allDelivered, sleep(5_000)]);
    const serverRssMb = (await server.rssBytes()) / 1024 / 1024;

    for (const socket of [app, ...senders]) socket.disconnect();
    latencies.sort((a, b) => a - b);
    const { appServer: _appServer, cpu: _cpu, databaseCpu: _databaseCpu, ...settings } = options;
    return {
        ...settings,
        sent,
        delivered,
        lost: sentAt.size,
        messagesPerSecond: round(latencies.length / (options.durationMs / 1000)),
        p50Ms: round(percentile(latencies, 50), 2),
        p90Ms: round(percentile(latencies, 90), 2),
        p99Ms: round(percentile(latencies, 99), 2),
        cpuMicrosPerMessage: round(cpuUsed / Math.max(1, latencies.length)),
        databaseCpuMicrosPerMessage: round(databaseUsed / Math.max(1, latencies.length)),
        window,
        serverRssMb: round(serverRssMb),
    };
}

