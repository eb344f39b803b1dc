import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';

declare module 'fastify' {
    interface FastifyReply {
        /** Server-Timing entries a route adds (`/ready` names each dependency); see addServerTiming. */
        timings: string[] | null;
    }
}

/** A caller's id is kept when it looks like an id: bounded, and nothing a log line could trip on. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's `genReqId`: the incoming `X-Request-ID` when it is sane (a proxy's or the client's,
 * so one id follows a request across systems), a fresh UUID otherwise. Fastify puts it on every
 * log line of the request as `reqId`.
 */
export function requestId(request: IncomingMessage): string {
    const incoming = request.headers['x-request-id'];
    return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function addServerTiming(reply: FastifyReply, name: string, ms: number, description?: string): void {
    (reply.timings ??= []).push(timing(name, ms, description));
}

const timing = (name: string, ms: number, description?: string) =>
    `${name};dur=${ms.toFixed(1)}${description ? `;desc="${description.replace(/["\\]/g, '')}"` : ''}`;

/**
 * `X-Request-ID` on every response (404s and errors too), `X-Response-Time` and `Server-Timing`
 * as the Workers variant sends them (spec workers.md §2.1), and one debug line per request:
 * method, route template and status, never the URL (paths carry push tokens and keys).
 * Registered first, so even CORS preflights answered in a hook carry the id.
 */
export function registerRequestContext(app: FastifyInstance): void {
    app.decorateReply('timings', null);
    app.addHook('onRequest', async (request, reply) => {
        reply.header('x-request-id', request.id);
    });
    app.addHook('onSend', async (_request, reply) => {
        const elapsed = reply.elapsedTime;
        reply.header('x-response-time', `${Math.round(elapsed)}ms`);
        reply.header('server-timing', [timing('total', elapsed, 'Total request time'), ...(reply.timings ?? [])].join(', '));
    });
    app.addHook('onResponse', async (request, reply) => {
        request.log.debug(
            { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
            'request completed',
        );
    });
}
