import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

/** A request the stand-in received, as the third party would have seen it. */
export interface ReceivedRequest {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: IncomingHttpHeaders;
    body: string;
    /** The body parsed as JSON, when it is JSON. */
    json?: any;
    /** The body parsed as a form, when it is one. */
    form?: URLSearchParams;
}

export type StandInReply =
    | { status?: number; json?: unknown; body?: string | Buffer; headers?: Record<string, string> }
    /** Never answers (timeouts). */
    | 'hang'
    /** Drops the connection without an answer. */
    | 'reset';

export type StandInHandler = (request: ReceivedRequest) => StandInReply | Promise<StandInReply>;

/**
 * A local HTTP server that plays a third party (GitHub, ElevenLabs, RevenueCat, Expo) for the
 * tests: real HTTP from the server under test, every request recorded, answers set per route by
 * the test. An unrouted request answers 404 and is recorded too, so a test sees wrong calls.
 */
export interface StandIn {
    readonly url: string;
    readonly requests: ReceivedRequest[];
    /** Answers `method path` (path without query) with `handler` until reset. */
    on(method: string, path: string, handler: StandInHandler | StandInReply): void;
    /** Forgets routes and recorded requests. */
    reset(): void;
    close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
    const routes = new Map<string, StandInHandler>();
    const requests: ReceivedRequest[] = [];
    const hanging = new Set<() => void>();
    const server: Server = createServer(async (incoming, response) => {
        const chunks: Buffer[] = [];
        for await (const chunk of incoming) chunks.push(chunk as Buffer);
        const url = new URL(incoming.url ?? '/', 'http://stand-in');
        const body = Buffer.concat(chunks).toString('utf8');
        const type = incoming.headers['content-type'] ?? '';
        const received: ReceivedRequest = {
            method: incoming.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: incoming.headers,
            body,
            ...(type.includes('json') && { json: parseJson(body) }),
            ...(type.includes('x-www-form-urlencoded') && { form: new URLSearchParams(body) }),
        };
        requests.push(received);
        const handler = routes.get(`${received.method} ${received.path}`);
        const reply: StandInReply = handler ? await handler(received) : { status: 404, json: { message: 'Not Found' } };
        if (reply === 'hang') {
            hanging.add(() => response.destroy());
            return;
        }
        if (reply === 'reset') {
            incoming.socket.destroy();
            return;
        }
        const headers = { ...(reply.json !== undefined && { 'content-type': 'application/json' }), ...reply.headers };
        response.writeHead(reply.status ?? 200, headers);
        response.end(reply.json !== undefined ? JSON.stringify(reply.json) : reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        on(method, path, handler) {
            routes.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler);
        },
        reset() {
            routes.clear();
            requests.length = 0;
        },
        async close() {
            for (const drop of hanging) drop();
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

function parseJson(body: string): unknown {
    try {
        return JSON.parse(body);
    } catch {
        return undefined;
    }
}

/**
 * A stand-in for the test file: started before (so its url can go into the server's
 * environment: call this before useTestServer and pass `env` as a function), reset before each
 * test, closed after all.
 */
export function useStandIn(): { readonly url: string; readonly requests: ReceivedRequest[]; on: StandIn['on'] } {
    let standIn: StandIn | undefined;
    beforeAll(async () => {
        standIn = await startStandIn();
    });
    beforeEach(() => standIn?.reset());
    afterAll(async () => standIn?.close());
    const started = () => {
        if (!standIn) throw new Error('the stand-in is used before beforeAll started it');
        return standIn;
    };
    return {
        get url() {
            return started().url;
        },
        get requests() {
            return started().requests;
        },
        on: (method, path, handler) => started().on(method, path, handler),
    };
}
