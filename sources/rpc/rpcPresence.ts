import type { Metrics } from '../monitoring/metrics.ts';
import type { AppServer } from '../transport/socket/socketTypes.ts';
import { RPC_PRESENCE_LOOKUP_TIMEOUT_MS, RPC_PRESENCE_MISSES, RPC_PRESENCE_POLL_MS } from './rpcConstants.ts';

export interface PresenceWatch {
    /** Resolves when the target has left the method's room (disconnected or unregistered). */
    gone: Promise<void>;
    stop(): void;
}

/**
 * Watches an RPC target for the length of one call. A disconnected target never acks, so
 * without this the caller would wait the full call timeout (upstream's weak spot).
 *
 * - Target on this node: membership is read in memory, which is exact, so one miss is enough.
 *   (Polling rather than a 'disconnect' listener per call: many concurrent calls to one socket
 *   would pile listeners onto it.)
 * - Target on another node: a fetchSockets() on the socket's own room (one small answer per
 *   node), bounded by a timeout, and RPC_PRESENCE_MISSES misses in a row. A failed lookup counts
 *   as a miss, as upstream: a node that cannot answer twice running cannot deliver the ack either.
 */
export function watchTarget(
    io: AppServer,
    targetId: string,
    room: string,
    metrics?: Pick<Metrics, 'rpcFetchSocketsTimeouts'>,
): PresenceWatch {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let resolveGone!: () => void;
    const gone = new Promise<void>((resolve) => (resolveGone = resolve));

    const local = io.sockets.sockets.get(targetId);
    const missesToGone = local ? 1 : RPC_PRESENCE_MISSES;
    const isPresent = local
        ? async () => local.connected && local.rooms.has(room)
        : async () => {
              const sockets = await io.in(targetId).timeout(RPC_PRESENCE_LOOKUP_TIMEOUT_MS).fetchSockets();
              return sockets.some((socket) => socket.rooms.has(room));
          };

    let misses = 0;
    // One lookup at a time: the next is scheduled only after the previous one answered.
    const schedule = () => {
        timer = setTimeout(async () => {
            const present = await isPresent().catch(() => {
                metrics?.rpcFetchSocketsTimeouts.inc({ context: 'presence' });
                return false;
            });
            if (stopped) return;
            misses = present ? 0 : misses + 1;
            if (misses >= missesToGone) resolveGone();
            else schedule();
        }, RPC_PRESENCE_POLL_MS);
    };
    schedule();

    return {
        gone,
        stop() {
            stopped = true;
            clearTimeout(timer);
        },
    };
}
