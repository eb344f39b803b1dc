import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { connect, createSession, inParallel, loginNewAccount } from './clients.ts';
import type { CpuMeter } from './cpu.ts';
import type { ServerProcess } from './serverProcess.ts';
import { percentile, round } from './stats.ts';

export interface FanOutOptions {
    /** User-scoped sockets of the account (apps), each receiving every message. */
    receivers: number;
    /** Messages in flight (sent, not yet received by every receiver). */
    inflight: number;
    durationMs: number;
    warmupMs: number;
    cpu: CpuMeter;
}

export interface FanOutResult {
    receivers: number;
    inflight: number;
    messagesPerSecond: number;
    deliveriesPerSecond: number;
    /** From the send to the last receiver. */
    p50Ms: number;
    p99Ms: number;
    cpuMicrosPerDelivery: number;
}

/**
 * Fan-out: one session socket sends, `receivers` app sockets of the same account receive every
 * `new-message`. What one update costs per recipient (encoding, room lookup, socket writes),
 * closed loop: the next message goes out when every receiver has the previous one.
 */
export async function runFanOut(server: ServerProcess, options: FanOutOptions): Promise<FanOutResult> {
    const token = await loginNewAccount(server.url);
    const sessionId = await createSession(server.url, token);
    const receivers = await inParallel(options.receivers, 100, () => connect(server.url, { token, clientType: 'user-scoped' }));
    const sender = await connect(server.url, { token, clientType: 'session-scoped', sessionId });
    const payload = randomBytes(256).toString('base64');

    const outstanding = new Map<string, { sentAt: number; remaining: number }>();
    const latencies: number[] = [];
    let counter = 0;
    let measuredFrom = Number.POSITIVE_INFINITY;
    let sendingUntil = Number.POSITIVE_INFINITY;
    const send = () => {
        const localId = `m${counter++}`;
        outstanding.set(localId, { sentAt: performance.now(), remaining: receivers.length });
        sender.emit('message', { sid: sessionId, message: payload, localId });
    };
    for (const receiver of receivers) {
        receiver.on('update', (update: { body: { t: string; message?: { localId: string } } }) => {
            const localId = update.body.message?.localId;
            const entry = localId === undefined ? undefined : outstanding.get(localId);
            if (!entry || --entry.remaining > 0) return;
            outstanding.delete(localId!);
            const now = performance.now();
            if (entry.sentAt >= measuredFrom && now <= sendingUntil) latencies.push(now - entry.sentAt);
            if (now < sendingUntil) send();
        });
    }

    const begin = performance.now();
    measuredFrom = begin + options.warmupMs;
    sendingUntil = measuredFrom + options.durationMs;
    for (let i = 0; i < options.inflight; i++) send();
    await sleep(options.warmupMs);
    const measureCpu = await options.cpu();
    await sleep(options.durationMs);
    const cpuUsed = await measureCpu();
    await sleep(1_000);
    for (const socket of [sender, ...receivers]) socket.disconnect();

    latencies.sort((a, b) => a - b);
    const messagesPerSecond = latencies.length / (options.durationMs / 1000);
    return {
        receivers: options.receivers,
        inflight: options.inflight,
        messagesPerSecond: round(messagesPerSecond),
        deliveriesPerSecond: round(messagesPerSecond * options.receivers),
        p50Ms: round(percentile(latencies, 50), 2),
        p99Ms: round(percentile(latencies, 99), 2),
        cpuMicrosPerDelivery: round(cpuUsed / Math.max(1, latencies.length * options.receivers), 2),
    };
}

