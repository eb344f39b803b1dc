import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { rooms } from '../../events/rooms.ts';
import { withContract } from '../socket/socketAction.ts';
import type { AppSocket, SocketData } from '../socket/socketTypes.ts';
import type { AckId } from './envelope.ts';

/**
 * The last row of the Workers event catalogue (spec workers.md §1.11): an event no handler takes,
 * sent by a native client, is relayed to the account's other native sockets as
 * `{event, data, ackId}`. From a CLI (session- or machine-scoped) socket it goes to the user-scoped
 * ones; from a user-scoped one, to the session-scoped sockets of `data.sessionId`, else to the
 * machine-scoped socket of `data.machineId`, else nowhere. Replies are not routed back (the
 * Workers server did not either). Socket.IO clients neither send nor receive these: their unknown
 * events stay ignored, as upstream has them, and the recipients are the native scope rooms.
 *
 * Both halves travel as the internal event FORWARD_EVENT through Socket.IO, so the relay runs
 * behind the socket's middleware (the per-socket rate limit of socketLimits.ts, the metrics) and
 * reaches sockets on every node through the adapter:
 * - nativeConnection.ts hands Socket.IO `[FORWARD_EVENT, Forwarded]` for such a frame (it knows
 *   the client's ackId and the frame's size, which Socket.IO does not);
 * - the handler below picks the room and emits `[FORWARD_EVENT, Forwarded]` to it;
 * - each recipient's nativeConnection unwraps it into the client frame.
 */
export const FORWARD_EVENT = 'native:forward';

/** The frame (as received) above which an event is refused instead of fanned out. */
export const FORWARD_MAX_BYTES = 1024 * 1024;

/** Event names longer than this are not relayed (the REST broadcast's bound on `type`). */
const MAX_EVENT_LENGTH = 128;

/**
 * Never relayed: the connection's own protocol (`auth`, `ping`), replies (`ack`, `rpc-response`,
 * answered or dropped by nativeConnection), the internal name itself, and Socket.IO's reserved
 * names, which keep their "Invalid message format" error.
 */
const NOT_FORWARDED = new Set([
    'auth',
    'ping',
    'ack',
    'rpc-response',
    FORWARD_EVENT,
    'connect',
    'connect_error',
    'disconnect',
    'disconnecting',
    'newListener',
    'removeListener',
]);

export interface Forwarded {
    event: string;
    data?: unknown;
    ackId?: AckId;
}

/** Whether a native client's `event` is one to relay: no handler of `socket` takes it. */
export function isForwardable(socket: AppSocket, event: string): boolean {
    return event.length <= MAX_EVENT_LENGTH && !NOT_FORWARDED.has(event) && socket.listenerCount(event) === 0;
}

/** Undefined keys left out: across nodes (MessagePack) they would arrive as null. */
export function forwarded(event: string, data: unknown, ackId: AckId | undefined): Forwarded {
    return { event, ...(data !== undefined && { data }), ...(ackId !== undefined && { ackId }) };
}

const forwardedSchema = z.object({
    event: z.string().min(1).max(MAX_EVENT_LENGTH),
    data: z.unknown().optional(),
    ackId: z.union([z.string().max(128), z.number()]).optional(),
});

/** The relay's server half, on native sockets only (socketServer.ts). */
export function registerForwarding(deps: Pick<Deps, 'io'>, socket: AppSocket): void {
    socket.on(
        FORWARD_EVENT,
        withContract({ schema: forwardedSchema, acked: false }, (payload: unknown) => {
            const parsed = forwardedSchema.safeParse(payload);
            if (!parsed.success) return;
            const { event, data, ackId } = parsed.data;
            const room = recipientsOf(socket.data, data);
            if (room) deps.io.to(room).emit(FORWARD_EVENT, forwarded(event, data, ackId));
        }),
    );
}

/** Ids become room names: bounded like the scope ids of nativeAuth.ts. */
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 256;

function recipientsOf({ userId, scope }: SocketData, data: unknown): string | undefined {
    if (scope.type !== 'user-scoped') return rooms.native(rooms.userScoped(userId));
    const { sessionId, machineId } = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
    if (isId(sessionId)) return rooms.native(rooms.session(userId, sessionId));
    if (isId(machineId)) return rooms.native(rooms.machine(userId, machineId));
    return undefined;
}
