import type { Server } from 'socket.io';
import { roomsFor, type RecipientFilter } from './rooms.ts';
import { envelope, type EphemeralPayload, type UpdateBody } from './updates.ts';

export interface Emission {
    userId: string;
    filter: RecipientFilter;
    /** Socket id to leave out (only the socket `message` event does this). */
    skipSocketId?: string;
}

/**
 * Maps recipient filters to rooms and hands the event to Socket.IO, whose adapter delivers it
 * on this node or, with Redis, on every node. Callers emit persistent updates only after the
 * transaction that allocated their `seq` has committed.
 */
export interface EventRouter {
    emitUpdate(emission: Emission & { seq: number; body: UpdateBody }): void;
    emitEphemeral(emission: Emission & { payload: EphemeralPayload }): void;
}

export function createEventRouter(io: Server): EventRouter {
    const target = ({ userId, filter, skipSocketId }: Emission) => {
        const to = io.to(roomsFor(userId, filter));
        return skipSocketId ? to.except(skipSocketId) : to;
    };
    return {
        emitUpdate(emission) {
            target(emission).emit('update', envelope(emission.seq, emission.body));
        },
        emitEphemeral(emission) {
            target(emission).emit('ephemeral', emission.payload);
        },
    };
}
