import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isBlobStoreUnavailable } from '../../../files/unavailable.ts';
import { isDatabaseUnavailable } from '../../../storage/unavailable.ts';

/** The answer to any request that needed the database while it could not be reached. */
export const DATABASE_UNAVAILABLE = { error: 'Service Unavailable', message: 'Database unavailable, try again shortly', statusCode: 503 };
/** The same for requests that needed the S3 store. */
export const STORE_UNAVAILABLE = { error: 'Service Unavailable', message: 'File storage unavailable, try again shortly', statusCode: 503 };

/** Seconds a client is told to wait before retrying while a dependency is down. */
const RETRY_AFTER_SECONDS = '5';

/** The dependency whose outage `error` is (not a bug: the client may retry), with its answer. */
export function unavailableDependency(error: unknown): { what: string; body: object } | undefined {
    if (isBlobStoreUnavailable(error)) return { what: 'file storage', body: STORE_UNAVAILABLE };
    if (isDatabaseUnavailable(error)) return { what: 'database', body: DATABASE_UNAVAILABLE };
    return undefined;
}

/** 503 with a hint of when to try again: nothing was half-written (every write is one transaction). */
export function sendUnavailable(reply: FastifyReply, body: object) {
    return reply.code(503).header('retry-after', RETRY_AFTER_SECONDS).send(body);
}

/**
 * Error and 404 bodies exactly as upstream sends them (spec rest.md §1.7-§1.8). Client mistakes
 * keep their 4xx status and message; anything else is logged and answered with a generic 500
 * that reveals nothing. Request headers are never logged (they carry bearer tokens).
 */
/** `withNotFound: false`: another plugin (the web app) answers unmatched requests. */
export function registerErrorHandlers(app: FastifyInstance, withNotFound = true): void {
    app.setErrorHandler((error: FastifyError, request, reply) => {
        const status = error.statusCode ?? 500;
        if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
            return reply.code(400).send({ error: 'Error', message: error.message, statusCode: 400 });
        }
        if (status >= 400 && status < 500) {
            return reply.code(status).send({ error: error.name || 'Error', message: clientMessage(error, request.headers), statusCode: status });
        }
        const route = request.routeOptions.url ?? 'unmatched';
        const outage = unavailableDependency(error);
        if (outage) {
            request.log.warn({ err: error, method: request.method, route }, `request failed: ${outage.what} unavailable`);
            return sendUnavailable(reply, outage.body);
        }
        request.log.error({ err: error, method: request.method, route }, 'request failed');
        return reply.code(500).send({
            error: 'Internal Server Error',
            message: 'An unexpected error occurred',
            statusCode: 500,
        });
    });

    if (withNotFound) app.setNotFoundHandler(sendNotFound);
}

export function sendNotFound(request: FastifyRequest, reply: FastifyReply) {
    return reply.code(404).send({ error: 'Not found', path: request.url, method: request.method });
}

/**
 * Fastify's `frameworkErrors` hook, for errors raised before routing. Upstream's router treated
 * a path parameter over 100 characters as no match at all: the generic 404, not Fastify 5's 414.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    // Raised before the onRequest hooks that set it on every other reply.
    reply.header('x-request-id', request.id);
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendNotFound(request, reply);
    const status = error.statusCode ?? 400;
    return reply.code(status).send({ error: error.name || 'FastifyError', message: error.message, statusCode: status });
}

/** Upstream's Fastify named the refused type in the 415 message; newer Fastify does not. */
function clientMessage(error: FastifyError, headers: FastifyRequest['headers']): string {
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return `Unsupported Media Type: ${headers['content-type'] ?? ''}`;
    return error.message;
}
