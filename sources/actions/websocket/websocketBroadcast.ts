import { z } from 'zod';
import { accountSockets } from '../../events/accountSockets.ts';
import type { SocketData } from '../../transport/socket/socketTypes.ts';
import { defineAction, ok } from '../action.ts';

/** Socket.IO refuses to emit these names (they are its own lifecycle events). */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
const id = z.string().min(1).max(256);

const input = z.object({
    message: z.object({
        type: z.string().min(1).max(128).refine((type) => !RESERVED.has(type), 'reserved event name'),
        payload: z.unknown().optional(),
        timestamp: z.number().optional(),
    }),
    filter: z
        .discriminatedUnion('type', [
            z.object({ type: z.literal('all') }),
            z.object({ type: z.literal('user-scoped-only') }),
            z.object({ type: z.literal('session'), sessionId: id }),
            z.object({ type: z.literal('machine'), machineId: id }),
            z.object({ type: z.literal('exclude'), connectionId: id }),
        ])
        .optional(),
});

type Filter = NonNullable<z.output<typeof input>['filter']>;

function matches(filter: Filter, data: Partial<SocketData>): boolean {
    const scope = data.scope;
    switch (filter.type) {
        case 'all':
            return true;
        case 'user-scoped-only':
            return scope?.type === 'user-scoped';
        case 'session':
            return scope?.type === 'session-scoped' && scope.sessionId === filter.sessionId;
        case 'machine':
            return scope?.type === 'machine-scoped' && scope.machineId === filter.machineId;
        case 'exclude':
            return data.native?.connectionId !== filter.connectionId;
    }
}

/**
 * POST /v1/websocket/broadcast (spec workers.md §2.4): an event into the caller's own native
 * sockets, on any node. Delivered as `{event: type, data: payload}`, the form the clients read
 * (the Workers server sent `{type, payload}`, which they drop: §0.2). Socket.IO sockets are left
 * out: they never had this endpoint, and an arbitrary event name would reach their handlers.
 */
export const websocketBroadcast = defineAction({
    input,
    async run(deps, caller, { message, filter = { type: 'all' as const } }) {
        const sockets = await accountSockets(deps.io, caller.userId);
        const targets = sockets.filter((socket) => socket.data.native && matches(filter, socket.data));
        for (const socket of targets) socket.emit(message.type, message.payload);
        return ok({ success: true, delivered: targets.length });
    },
});
