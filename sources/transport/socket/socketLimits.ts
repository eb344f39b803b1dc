import type { ExtendedError } from 'socket.io';
import type { Deps } from '../../deps.ts';
import { accountSockets } from '../../events/accountSockets.ts';
import { rooms } from '../../events/rooms.ts';
import type { Metrics } from '../../monitoring/metrics.ts';
import type { AppSocket } from './socketTypes.ts';

/**
 * The ack of an event refused for its rate: readable by both ack conventions the clients use
 * (`ok` for rpc-call and the Workers style, `result` for the update-* events, which the CLI
 * treats as "give up on this one", spec clients.md §3).
 */
export const RATE_LIMITED_ACK = Object.freeze({ ok: false, result: 'error', error: 'Too many requests' });

/** The window over which refused events are counted toward a disconnect. */
const FLOOD_WINDOW_MS = 10_000;

/**
 * `socket_limited_total{reason, protocol}`: an event refused by the bucket, a socket closed for
 * flooding, a connection refused by the per-account limit. Native sockets pass through the
 * bucket as Socket.IO sockets (told apart by `data.native`); their connection limit is the
 * native gateway's (nativeGateway.ts), which counts its refusals here too.
 */
export type SocketLimitReason = 'event_rate' | 'flood_disconnect' | 'connection_limit';
type Protocol = 'socketio' | 'native';
const SERIES: [SocketLimitReason, Protocol][] = [
    ['event_rate', 'socketio'],
    ['event_rate', 'native'],
    ['flood_disconnect', 'socketio'],
    ['flood_disconnect', 'native'],
    ['connection_limit', 'socketio'],
    ['connection_limit', 'native'],
];

export const countSocketLimited = (metrics: Metrics, reason: SocketLimitReason, protocol: Protocol) => metrics.socketLimited.inc({ reason, protocol });
const protocolOf = (socket: AppSocket): Protocol => (socket.data.native ? 'native' : 'socketio');

/**
 * A token bucket per socket, in front of every handler (socket.use, so native sockets, which
 * Socket.IO serves through engineBridge.ts, are covered too): `burst` events at once, refilled
 * at `perSecond`. Over it, an event with an ack gets RATE_LIMITED_ACK, one without is dropped,
 * and `disconnectAfter` refused events within 10 s close the socket. A refused event costs a
 * parse and a counter, never a handler, a query or a place in the message queue, so one
 * socket's flood cannot hold up another's work. Per socket, hence per node: nothing to share.
 */
export function limitSocketEvents(socket: AppSocket, deps: Pick<Deps, 'config' | 'log' | 'metrics'>, now: () => number = Date.now): void {
    const { log, metrics } = deps;
    const limits = deps.config.limits.socketEvents;
    let tokens = limits.burst;
    let refilledAt = now();
    let refused = 0;
    let windowStart = 0;
    socket.use((packet, next) => {
        const t = now();
        tokens = Math.min(limits.burst, tokens + ((t - refilledAt) / 1000) * limits.perSecond);
        refilledAt = t;
        if (tokens >= 1) {
            tokens -= 1;
            return next();
        }
        countSocketLimited(metrics, 'event_rate', protocolOf(socket));
        const ack = packet[packet.length - 1];
        if (typeof ack === 'function') {
            try {
                ack(RATE_LIMITED_ACK);
            } catch {
                // The client is gone: nothing to answer.
            }
        }
        if (t - windowStart > FLOOD_WINDOW_MS) {
            windowStart = t;
            refused = 0;
        }
        refused++;
        if (refused === 1) log.debug({ socketId: socket.id, userId: socket.data.userId }, 'socket events over the rate limit');
        if (limits.disconnectAfter > 0 && refused >= limits.disconnectAfter && socket.connected) {
            log.warn({ socketId: socket.id, userId: socket.data.userId, refused }, 'socket disconnected for flooding events');
            countSocketLimited(metrics, 'flood_disconnect', protocolOf(socket));
            socket.disconnect(true);
        }
    });
}

/**
 * Namespace middleware, after authentication: at most `max` sockets per account (Socket.IO and
 * native alike; native upgrades are also held to WS_MAX_CONNECTIONS_PER_ACCOUNT by their
 * gateway). Alone, the account's room on this node is the count (no lookup per handshake);
 * with several nodes, fetchSockets goes through the adapter as the native gateway's count does.
 * Concurrent handshakes may each see the same count, so a burst can pass the limit by a few. A
 * failed lookup (Redis away, a node not answering) counts this node's sockets only: the limit
 * holds per node, as it does once the adapter stops counting nodes it no longer hears from.
 */
export function createConnectionLimit(deps: Pick<Deps, 'io' | 'config' | 'cluster' | 'metrics'>) {
    const { io, metrics } = deps;
    const max = deps.config.limits.socketMaxConnectionsPerAccount;
    const clustered = deps.cluster.adapter !== undefined;
    // Created once per server: every series of socket_limited_total starts at 0, so rate() sees
    // the first refusal.
    for (const [reason, protocol] of SERIES) metrics.socketLimited.inc({ reason, protocol }, 0);
    return async (socket: AppSocket, next: (error?: ExtendedError) => void) => {
        if (socket.data.native) return next();
        const local = io.of('/').adapter.rooms.get(rooms.user(socket.data.userId))?.size ?? 0;
        const open = local >= max || !clustered ? local : ((await accountSockets(io, socket.data.userId).catch(() => undefined))?.length ?? local);
        if (open < max) return next();
        countSocketLimited(metrics, 'connection_limit', 'socketio');
        next(new Error('Connection limit exceeded'));
    };
}
