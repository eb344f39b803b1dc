import type { Server } from 'socket.io';
import type { Logger } from '../monitoring/log.ts';
import type { Metrics } from '../monitoring/metrics.ts';
import { localRecipients } from '../monitoring/socketMetrics.ts';
import { roomsFor, type RecipientFilter } from './rooms.ts';
import { UpdateOrder, type UpdateHold } from './updateOrder.ts';
import { envelope, type EphemeralPayload, type UpdateBody } from './updates.ts';

export interface Emission {
    userId: string;
    filter: RecipientFilter;
    /** Socket id to leave out (only the socket `message` event does this). */
    skipSocketId?: string;
}

/** Who gets an update and what it says; its seq was reserved with `reserveUpdate`. */
export type UpdateDelivery = Omit<Emission, 'userId'> & { body: UpdateBody };

export interface ReservedUpdate {
    /** Emits the update once every lower seq of the account reserved on this node is out. */
    send(update: UpdateDelivery): void;
    /** The transaction that took the seq rolled back. */
    cancel(): void;
}

/**
 * Maps recipient filters to rooms and hands events to Socket.IO, whose adapter delivers them on
 * this node or, with Redis, on every node. A persistent `update` goes out only after the
 * transaction that took its seq has committed, and in seq order per account (updateOrder.ts):
 * writers reserve the seq they took, or hold the account while a statement takes seqs they
 * learn only with its result.
 */
export interface EventRouter {
    reserveUpdate(userId: string, seq: number): ReservedUpdate;
    holdUpdates(userId: string): UpdateHold;
    emitEphemeral(emission: Emission & { payload: EphemeralPayload }): void;
}

export function createEventRouter(io: Server, log: Logger, metrics?: Pick<Metrics, 'broadcasts' | 'broadcastRecipients'>): EventRouter {
    const order = new UpdateOrder((userId, problem) => log.error({ userId }, problem));
    const emit = ({ userId, filter, skipSocketId }: Emission, event: 'update' | 'ephemeral', type: string, payload: unknown) => {
        const rooms = roomsFor(userId, filter);
        const to = io.to(rooms);
        (skipSocketId ? to.except(skipSocketId) : to).emit(event, payload);
        if (!metrics) return;
        metrics.broadcasts.inc({ event, type });
        metrics.broadcastRecipients.observe({ event }, localRecipients(io, rooms, skipSocketId));
    };
    return {
        reserveUpdate(userId, seq) {
            const ticket = order.reserve(userId, seq);
            return {
                send: (update) => ticket.send(() => emit({ ...update, userId }, 'update', update.body.t, envelope(seq, update.body))),
                cancel: ticket.cancel,
            };
        },
        holdUpdates: (userId) => order.hold(userId),
        emitEphemeral(emission) {
            emit(emission, 'ephemeral', emission.payload.type, emission.payload);
        },
    };
}
