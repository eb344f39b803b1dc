import { io, type Socket } from 'socket.io-client';

/**
 * A Socket.IO client that connects the way the real clients do (spec realtime.md §13):
 * path /v1/updates, websocket only, credentials in `auth`, no automatic reconnection.
 */
export type ClientAuth =
    | { clientType?: 'user-scoped'; appState?: string }
    | { clientType: 'session-scoped'; sessionId: string }
    | { clientType: 'machine-scoped'; machineId: string };

export interface TestSocket {
    socket: Socket;
    /** Every `update` received so far, in arrival order. */
    updates: any[];
    /** Every `ephemeral` received so far, in arrival order. */
    ephemerals: any[];
    /** Resolves with the first received event of that name matching `match` (already received ones count). */
    next(event: 'update' | 'ephemeral' | string, match?: (payload: any) => boolean, timeoutMs?: number): Promise<any>;
    emitWithAck(event: string, payload?: unknown, timeoutMs?: number): Promise<any>;
    close(): void;
}

export async function connectSocket(url: string, token: string | undefined, auth: ClientAuth = {}): Promise<TestSocket> {
    const socket = io(url, {
        path: '/v1/updates',
        transports: ['websocket'],
        reconnection: false,
        auth: token === undefined ? { ...auth } : { token, ...auth },
        autoConnect: false,
    });
    const received = new Map<string, any[]>();
    const waiters: Array<{ event: string; match: (payload: any) => boolean; resolve: (payload: any) => void }> = [];
    socket.onAny((event: string, payload: unknown) => {
        const list = received.get(event) ?? [];
        list.push(payload);
        received.set(event, list);
        for (const waiter of [...waiters]) {
            if (waiter.event === event && waiter.match(payload)) {
                waiters.splice(waiters.indexOf(waiter), 1);
                waiter.resolve(payload);
            }
        }
    });
    const listOf = (event: string) => {
        if (!received.has(event)) received.set(event, []);
        return received.get(event)!;
    };
    await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (error) => reject(error));
        socket.connect();
    });
    return {
        socket,
        updates: listOf('update'),
        ephemerals: listOf('ephemeral'),
        next(event, match = () => true, timeoutMs = 5000) {
            const seen = listOf(event).find(match);
            if (seen !== undefined) return Promise.resolve(seen);
            return new Promise((resolve, reject) => {
                const waiter = { event, match, resolve };
                waiters.push(waiter);
                setTimeout(() => {
                    const index = waiters.indexOf(waiter);
                    if (index >= 0) {
                        waiters.splice(index, 1);
                        reject(new Error(`no ${event} matching within ${timeoutMs} ms`));
                    }
                }, timeoutMs).unref();
            });
        },
        emitWithAck(event, payload, timeoutMs = 5000) {
            return socket.timeout(timeoutMs).emitWithAck(event, payload);
        },
        close() {
            socket.disconnect();
        },
    };
}

/** The error message a rejected handshake produces (`connect_error`). */
export async function connectError(url: string, auth: Record<string, unknown>): Promise<string> {
    try {
        const client = await connectSocket(url, undefined, auth as ClientAuth);
        client.close();
        return 'connected';
    } catch (error) {
        return (error as Error).message;
    }
}

/** Lets in-flight events settle: a ping round trip after everything sent before it was handled. */
export async function roundTrip(client: TestSocket): Promise<void> {
    await client.emitWithAck('ping');
}
