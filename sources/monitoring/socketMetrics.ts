import type { Server } from 'socket.io';
import { RPC_ERRORS } from '../rpc/rpcConstants.ts';
import type { AppSocket } from '../transport/socket/socketTypes.ts';
import { OTHER } from './labels.ts';
import type { Metrics } from './metrics.ts';

type Ack = (...args: unknown[]) => void;

/** upstream's rpc_calls_total results, told apart by the ack the caller gets. */
const RPC_RESULTS = new Map<string, string>([
    [RPC_ERRORS.notAvailable, 'not_available'],
    [RPC_ERRORS.selfCall, 'self_call'],
    [RPC_ERRORS.targetDisconnected, 'target_disconnected'],
    [RPC_ERRORS.invalidCall, 'invalid_params'],
    [RPC_ERRORS.internal, 'internal_error'],
]);

function rpcResult(reply: unknown): string {
    const { ok, error } = (reply ?? {}) as { ok?: unknown; error?: unknown };
    if (ok === true) return 'success';
    // Upstream's `timeout` covers every other failure of the forwarded call.
    return (typeof error === 'string' && RPC_RESULTS.get(error)) || 'timeout';
}

/**
 * Connection gauge, event counters, ack latency and RPC outcomes of one socket, measured from
 * the outside (a middleware on its packets), so the handlers carry no metrics code. Event
 * names are a bounded label: the events this server handles, anything else is `other`.
 */
export function instrumentSocket(socket: AppSocket, metrics: Metrics): void {
    const client = metrics.clients.labels(socket.data.happyClient);
    const connection = { type: socket.data.scope.type, ...client };
    metrics.websocketConnections.inc(connection);
    socket.on('disconnect', () => {
        metrics.websocketConnections.dec(connection);
        metrics.websocketEvents.inc({ event_type: 'disconnect', ...client });
    });

    socket.use((packet, next) => {
        const event = socket.listenerCount(packet[0]) > 0 ? packet[0] : OTHER;
        metrics.websocketEvents.inc({ event_type: event, ...client });
        if (event === 'session-alive') metrics.sessionAliveEvents.inc();
        if (event === 'machine-alive') metrics.machineAliveEvents.inc();
        const last = packet.length - 1;
        if (last > 0 && typeof packet[last] === 'function') {
            const rpcMethod = event === 'rpc-call' ? metrics.rpcMethods.label((packet[1] as { method?: unknown } | null)?.method) : undefined;
            packet[last] = timedAck(packet[last] as Ack, (reply, seconds) => {
                metrics.websocketAckDuration.observe({ event_type: event }, seconds);
                if (rpcMethod === undefined) return;
                const labels = { method: rpcMethod, result: rpcResult(reply) };
                metrics.rpcCalls.inc(labels);
                metrics.rpcDuration.observe(labels, seconds);
            });
        }
        next();
    });
}

function timedAck(ack: Ack, observe: (reply: unknown, seconds: number) => void): Ack {
    const started = performance.now();
    return (...args) => {
        observe(args[0], (performance.now() - started) / 1000);
        ack(...args);
    };
}

/**
 * Sockets of this node an event to `rooms` reaches. The rooms of one recipient filter never
 * share a socket (a socket has one scope room), so their sizes add up.
 */
export function localRecipients(io: Server, rooms: string[], skipSocketId?: string): number {
    const members = io.of('/').adapter.rooms;
    let count = 0;
    for (const room of rooms) {
        const sockets = members.get(room);
        if (!sockets) continue;
        count += sockets.size;
        if (skipSocketId !== undefined && sockets.has(skipSocketId)) count--;
    }
    return count;
}
