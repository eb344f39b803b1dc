import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/**
 * A plain WebSocket client that talks like the Workers-generation clients (spec workers.md §1):
 * the CLI's HappyWebSocket (token and scope in the query or headers, `{event, data, ackId}`
 * frames, acks matched on `ackId` with `ack !== undefined`, `rpc-request` answered with
 * `rpc-response`) and the app's apiSocket (ticket or in-band `auth`, waits for `connected`).
 */
export interface NativeClientOptions {
    path?: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
}

export interface NativeFrame {
    event?: string;
    data?: any;
    ackId?: string | number;
    ack?: any;
}

export interface NativeClient {
    ws: WebSocket;
    /** Every frame received so far, in arrival order. */
    frames: NativeFrame[];
    /** Resolves with the `data` of the first frame of that event matching `match` (received ones count). */
    next(event: string, match?: (data: any) => boolean, timeoutMs?: number): Promise<any>;
    /** The first received frame (whole) that `match` accepts. */
    frame(match: (frame: NativeFrame) => boolean, timeoutMs?: number): Promise<NativeFrame>;
    /** The `data` of every received frame of that event. */
    all(event: string): any[];
    /** Sends a frame as is (any shape: the tests of malformed input use it). */
    send(frame: unknown): void;
    emit(event: string, data?: unknown): void;
    /** `{event, data, ackId}`, resolved with the `ack` of the matching `{event:'ack'}` frame. */
    emitWithAck(event: string, data?: unknown, timeoutMs?: number): Promise<any>;
    /** Answers every `rpc-request` with `rpc-response` and what `handler` returns. */
    onRpcRequest(handler: (data: { method: string; params: unknown }) => unknown): void;
    /** Resolves with the close code and reason once the server or the client closed. */
    closed: Promise<{ code: number; reason: string }>;
    close(): void;
}

export function nativeUrl(baseUrl: string, options: NativeClientOptions = {}): string {
    const url = new URL(options.path ?? '/v1/updates', baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    return url.toString();
}

/** Opens the socket (resolves on `open`, as the CLI considers itself connected then). */
export async function openNative(baseUrl: string, options: NativeClientOptions = {}): Promise<NativeClient> {
    const ws = new WebSocket(nativeUrl(baseUrl, options), { headers: options.headers });
    const frames: NativeFrame[] = [];
    const waiters: Array<{ accept: (frame: NativeFrame) => boolean; resolve: (frame: NativeFrame) => void }> = [];
    const rpcHandlers: Array<(data: any) => unknown> = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on('message', (raw) => {
        const frame = JSON.parse(raw.toString()) as NativeFrame;
        frames.push(frame);
        if (frame.event === 'rpc-request' && frame.ackId !== undefined && rpcHandlers.length > 0) {
            void Promise.resolve(rpcHandlers[0]!(frame.data)).then((ack) => client.send({ event: 'rpc-response', ackId: frame.ackId, ack }));
        }
        for (const waiter of [...waiters]) {
            if (!waiter.accept(frame)) continue;
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(frame);
        }
    });
    const waitFrame = (accept: (frame: NativeFrame) => boolean, what: string, timeoutMs: number) => {
        const seen = frames.find(accept);
        if (seen) return Promise.resolve(seen);
        return new Promise<NativeFrame>((resolve, reject) => {
            const waiter = { accept, resolve };
            waiters.push(waiter);
            setTimeout(() => {
                const index = waiters.indexOf(waiter);
                if (index < 0) return;
                waiters.splice(index, 1);
                reject(new Error(`no ${what} within ${timeoutMs} ms`));
            }, timeoutMs).unref();
        });
    };
    await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (request, response) => {
            request.destroy();
            reject(new Error(`upgrade refused: ${response.statusCode}`));
        });
    });
    const client: NativeClient = {
        ws,
        frames,
        closed,
        next: (event, match = () => true, timeoutMs = 5000) =>
            waitFrame((frame) => frame.event === event && match(frame.data), event, timeoutMs).then((frame) => frame.data),
        frame: (match, timeoutMs = 5000) => waitFrame(match, 'frame', timeoutMs),
        all: (event) => frames.filter((frame) => frame.event === event).map((frame) => frame.data),
        send(frame) {
            ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
        },
        emit(event, data) {
            client.send(data === undefined ? { event } : { event, data });
        },
        async emitWithAck(event, data, timeoutMs = 5000) {
            const ackId = randomUUID();
            const reply = waitFrame((frame) => frame.ackId === ackId && frame.ack !== undefined, `ack of ${event}`, timeoutMs);
            client.send({ event, data, ackId });
            return (await reply).ack;
        },
        onRpcRequest(handler) {
            rpcHandlers.splice(0, rpcHandlers.length, handler);
        },
        close() {
            ws.close(1000);
        },
    };
    return client;
}

/** Opens the socket and waits for `connected`, as the app does before it counts as online. */
export async function connectNative(baseUrl: string, options: NativeClientOptions = {}): Promise<NativeClient> {
    const client = await openNative(baseUrl, options);
    await client.next('connected');
    return client;
}

/** The HTTP status and text of a refused upgrade (spec workers.md §1.2), or 101 when it was accepted. */
export function upgradeResult(baseUrl: string, options: NativeClientOptions = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(nativeUrl(baseUrl, options), { headers: options.headers });
        ws.once('open', () => {
            ws.close();
            resolve({ status: 101, body: '' });
        });
        ws.once('unexpected-response', (request, response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => {
                request.destroy();
                resolve({ status: response.statusCode ?? 0, body });
            });
        });
        ws.once('error', (error) => {
            if (!/Unexpected server response/.test(error.message)) reject(error);
        });
    });
}
