import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Caller, Result } from '../../actions/action.ts';
import type { Config } from '../../config.ts';
import type { BlobRead } from '../../files/blobStore.ts';
import { FAILURE_STATUS } from './httpAction.ts';

/**
 * Pieces of the file routes that httpAction does not cover: they stream bodies in or out and
 * need the request itself (its Host, its Content-Length).
 */

export const callerOf = (request: FastifyRequest): Caller => ({ userId: request.userId });

export function sendResult<T>(reply: FastifyReply, result: Result<T>): FastifyReply {
    if (result.ok) return reply.send(result.value);
    return reply.code(FAILURE_STATUS[result.kind]).send(result.body ?? { error: result.error });
}

/** Streams a stored file; the length is known up front, so nothing is buffered. */
export function sendBlob(reply: FastifyReply, blob: BlobRead, contentType: string): FastifyReply {
    if (blob.etag) reply.header('etag', blob.etag);
    return reply.header('content-type', contentType).header('content-length', blob.size).header('x-content-type-options', 'nosniff').send(blob.body);
}

/** The Content-Length the client declared, if any: lets a route refuse before reading a byte. */
export function declaredLength(request: FastifyRequest): number | undefined {
    const header = request.headers['content-length'];
    return header === undefined || !/^\d+$/.test(header) ? undefined : Number(header);
}

const HOST = /^([A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * Base of the links attachment routes hand out: PUBLIC_URL when set; else the origin the client
 * called, from its Host header only (Fastify's trustProxy is off, so X-Forwarded-Host and
 * -Proto are not believed, unlike upstream); a malformed Host falls back to the default.
 */
export function linkBaseUrl(request: FastifyRequest, config: Pick<Config, 'files' | 'publicUrl'>): string {
    if (config.files.linkBaseUrl) return config.files.linkBaseUrl;
    return HOST.test(request.host) ? `${request.protocol}://${request.host}` : config.publicUrl;
}

/**
 * Validates input a route assembled itself (multipart fields) with the same 400 Fastify gives
 * a schema failure: `{"error":"Error","message":"body/<field> ...","statusCode":400}`.
 */
export function parseBody<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const message = parsed.error.issues.map((issue) => `body/${issue.path.join('/')} ${issue.message}`).join(', ');
    throw Object.assign(new Error(message), { statusCode: 400, validation: parsed.error.issues });
}
