import { rooms } from '../../../events/rooms.ts';
import type { Logger } from '../../../monitoring/log.ts';
import { withContract } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

/** The payload's JSON length (characters) above which a broadcast is dropped: one message fans out to every device. */
export const BROADCAST_MAX_CHARS = 1024 * 1024;

/**
 * `broadcast` (spec workers.md §1.11, Workers-only): a client-to-client message, any payload, no
 * ack. Every other socket of the account, on every node and of either protocol, receives
 * `broadcast` with the payload as sent (native clients as `{event:'broadcast', data}`); the
 * sender does not (the Workers `exclude` filter). Upstream's clients have no listener for the
 * name, so a Socket.IO client that never emits it sees nothing change; one that wants the
 * channel can emit and listen like a native client. Bounded by the per-socket rate limit (a
 * middleware before every handler) and by BROADCAST_MAX_CHARS.
 */
export function registerBroadcastHandlers(socket: AppSocket, log: Logger): void {
    socket.on(
        'broadcast',
        withContract({ acked: false }, (...args: unknown[]) => {
            const payload = typeof args[0] === 'function' ? undefined : args[0];
            if (jsonLength(payload) > BROADCAST_MAX_CHARS) {
                log.debug({ socketId: socket.id, userId: socket.data.userId }, 'broadcast dropped: payload too large');
                return;
            }
            socket.to(rooms.user(socket.data.userId)).emit('broadcast', payload);
        }),
    );
}

/** Length of the payload's JSON text (binary counts as its JSON form); infinite for what cannot be serialized. */
function jsonLength(value: unknown): number {
    try {
        return JSON.stringify(value)?.length ?? 0;
    } catch {
        return Infinity;
    }
}
