import fc from 'fast-check';
import { z } from 'zod';
import { contractOf } from '../../../sources/transport/socket/socketAction.ts';
import type { AppSocket } from '../../../sources/transport/socket/socketTypes.ts';
import { hostileValue } from './hostile.ts';
import { arbitraryOf, type ArbitraryOptions, type JsonSchema } from './schemaArbitrary.ts';

/** One event a connected socket answers, with the contract its listener carries. */
export interface EventSpec {
    event: string;
    schema?: z.ZodType;
    acked: boolean;
}

/** Socket.IO's own names: a client cannot emit them. */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** The events of a server-side socket, read from its listeners (socketAction.ts `withContract`). */
export function eventsOf(socket: AppSocket): EventSpec[] {
    return socket
        .eventNames()
        .filter((name): name is string => typeof name === 'string' && !RESERVED.has(name))
        .map((event) => {
            const contract = contractOf(socket.listeners(event)[0]);
            return { event, schema: contract?.schema, acked: contract?.acked ?? false };
        });
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The arguments of one emit: usually the payload, sometimes none, one too many, or bytes. */
export function argumentsArbitrary(spec: EventSpec, options: ArbitraryOptions): fc.Arbitrary<unknown[]> {
    const payload = spec.schema ? arbitraryOf(jsonSchemaOf(spec.schema), options) : hostileValue;
    if (options.mode === 'valid') return payload.map((value) => [value]);
    return fc.oneof(
        { weight: 6, arbitrary: payload.map((value) => [value]) },
        { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
        { weight: 1, arbitrary: fc.tuple(payload, hostileValue).map((args): unknown[] => args) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): unknown[] => [Buffer.from(bytes)]) },
    );
}
