import type { RawData } from 'ws';

/**
 * The JSON frames of the native protocol (spec workers.md §1.6-§1.8). Clients send either the
 * client form `{event, data?, ackId?, ack?}` or the server form `{type, payload?, messageId?}`;
 * `event` wins when both are present. The server only ever answers in the client form, the one
 * the real clients read (§0.2).
 */

/** An ack id as the client sent it: echoed back with the same JSON type, since clients key a Map on it. */
export type AckId = string | number;

export interface InboundMessage {
    event: string;
    data: unknown;
    ackId: AckId | undefined;
    /** Present on replies to a server request (`rpc-response`). */
    ack: unknown;
}

export type ParsedFrame = { ok: true; message: InboundMessage } | { ok: false; error: 'Invalid JSON message' | 'Invalid message format' };

const MAX_ACK_ID_LENGTH = 128;

export function parseFrame(raw: RawData): ParsedFrame {
    let value: unknown;
    try {
        value = JSON.parse(rawText(raw));
    } catch {
        return { ok: false, error: 'Invalid JSON message' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'Invalid message format' };
    const frame = value as Record<string, unknown>;
    const clientForm = typeof frame.event === 'string';
    const event = clientForm ? frame.event : frame.type;
    if (typeof event !== 'string' || event.length === 0) return { ok: false, error: 'Invalid message format' };
    const ackId = clientForm ? frame.ackId : frame.messageId;
    return {
        ok: true,
        message: {
            event,
            data: clientForm ? frame.data : frame.payload,
            ackId: validAckId(ackId) ? ackId : undefined,
            ack: clientForm ? frame.ack : undefined,
        },
    };
}

function validAckId(id: unknown): id is AckId {
    return (typeof id === 'string' && id.length > 0 && id.length <= MAX_ACK_ID_LENGTH) || (typeof id === 'number' && Number.isFinite(id));
}

function rawText(raw: RawData): string {
    if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
    return Buffer.from(raw as ArrayBuffer).toString('utf8');
}

export const eventFrame = (event: string, data?: unknown, ackId?: AckId) =>
    JSON.stringify(ackId === undefined ? { event, data } : { event, data, ackId });

/** A reply to a client request; clients match on `ackId` and `ack !== undefined`, so ack is never undefined. */
export const ackFrame = (ackId: AckId, ack: unknown) => JSON.stringify({ event: 'ack', ackId, ack: ack ?? null });

/** `{event:'error'}` and `{event:'auth-error'}` carry a numeric code, a message and the time (§1.4, §1.6). */
export const errorFrame = (event: 'error' | 'auth-error', code: number, message: string) =>
    eventFrame(event, { code, message, timestamp: Date.now() });

/**
 * Both generations' field names (spec workers.md §0.5): the Node server names the session `id`
 * and the machine `id`; the Workers builders and `@happy/protocol` name them `sid` and
 * `machineId`. Both clients parse with schemas that drop unknown keys, so native sockets get
 * both. Only this copy of the payload is touched (each native socket decodes its own).
 */
export function withBothFieldNames(event: string, data: unknown): unknown {
    if (typeof data !== 'object' || data === null) return data;
    if (event === 'update') {
        const body = (data as { body?: Record<string, unknown> }).body;
        if (body && (body.t === 'new-session' || body.t === 'update-session') && typeof body.id === 'string') body.sid ??= body.id;
        return data;
    }
    if (event === 'ephemeral') {
        const payload = data as Record<string, unknown>;
        if (typeof payload.id !== 'string') return data;
        if (payload.type === 'activity' || payload.type === 'usage') payload.sid ??= payload.id;
        if (payload.type === 'machine-activity') payload.machineId ??= payload.id;
    }
    return data;
}
