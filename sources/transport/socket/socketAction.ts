import type { z } from 'zod';
import type { Logger } from '../../monitoring/log.ts';
import { trackEvent } from './pendingEvents.ts';
import type { AppSocket } from './socketTypes.ts';

type Ack = (reply: unknown) => void;

/**
 * What an event takes (its schema, where it has one) and whether a client may await it. Kept on
 * the listener itself, so the events a socket answers can be listed from the socket, with their
 * inputs (`socket.eventNames()` + `contractOf`): the fuzz and authorization suites cover every
 * event that way, new ones included, with no list of their own to keep up to date.
 */
export interface EventContract {
    schema?: z.ZodType;
    acked: boolean;
}

const CONTRACT = Symbol('eventContract');

export function withContract<Listener extends (...args: any[]) => unknown>(contract: EventContract, listener: Listener): Listener {
    return Object.assign(listener, { [CONTRACT]: contract });
}

export function contractOf(listener: unknown): EventContract | undefined {
    return (listener as { [CONTRACT]?: EventContract } | undefined)?.[CONTRACT];
}

function splitAck(args: unknown[]): { payload: unknown; ack: Ack | undefined } {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as Ack) : undefined;
    return { payload: args[0] === ack ? undefined : args[0], ack };
}

interface AckedEvent<Schema extends z.ZodType> {
    schema: Schema;
    /** Ack for a payload that fails the schema (or a function of why it failed). */
    invalid: unknown | ((error: z.ZodError) => unknown);
    /** Ack when `run` throws: the client awaits an answer, so it always gets one. */
    failed: unknown;
    run(input: z.output<Schema>): Promise<unknown>;
}

/**
 * An event the client awaits. Every call is acknowledged exactly once, whatever happens:
 * the CLI awaits some of these with no timeout, so a missing ack would wedge it.
 */
export function onAckedEvent<Schema extends z.ZodType>(
    socket: AppSocket,
    log: Logger,
    event: string,
    handler: AckedEvent<Schema>,
): void {
    socket.on(event, withContract({ schema: handler.schema, acked: true }, (...args: unknown[]) => trackEvent(socket, async () => {
        const { payload, ack } = splitAck(args);
        let reply: unknown;
        // Validation runs inside the try too: a schema that throws must still be answered.
        try {
            const parsed = handler.schema.safeParse(payload);
            if (!parsed.success) {
                reply = typeof handler.invalid === 'function' ? handler.invalid(parsed.error) : handler.invalid;
            } else {
                reply = await handler.run(parsed.data);
            }
        } catch (error) {
            log.error({ err: error, event, socketId: socket.id }, 'socket event failed');
            reply = handler.failed;
        }
        if (!ack) return;
        try {
            ack(reply);
        } catch (error) {
            log.warn({ err: error, event, socketId: socket.id }, 'ack failed');
        }
    })));
}

/** A fire-and-forget event: invalid payloads are dropped, failures logged, never thrown. */
export function onEvent<Schema extends z.ZodType>(
    socket: AppSocket,
    log: Logger,
    event: string,
    schema: Schema,
    run: (input: z.output<Schema>) => unknown,
): void {
    socket.on(event, withContract({ schema, acked: false }, (...args: unknown[]) => trackEvent(socket, async () => {
        try {
            const parsed = schema.safeParse(splitAck(args).payload);
            if (parsed.success) await run(parsed.data);
        } catch (error) {
            log.error({ err: error, event, socketId: socket.id }, 'socket event failed');
        }
    })));
}
