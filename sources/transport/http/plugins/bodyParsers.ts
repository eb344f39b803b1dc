import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';

/**
 * Body parsing as upstream clients expect it (spec rest.md §1.3): an empty JSON body is `{}`
 * (or absent for GET/DELETE), malformed JSON is a 400 `SyntaxError`, octet-stream arrives as a
 * Buffer. Unlike upstream, `__proto__` / `constructor.prototype` keys are refused (weak spot 10).
 */
export function registerBodyParsers(app: FastifyInstance): void {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
        const text = body as string;
        if (text.trim() === '') {
            done(null, request.method === 'GET' || request.method === 'DELETE' ? undefined : {});
            return;
        }
        try {
            done(null, sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
        } catch (error) {
            const syntaxError = error instanceof SyntaxError ? error : new SyntaxError(String(error));
            done(Object.assign(syntaxError, { statusCode: 400 }), undefined);
        }
    });
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => {
        done(null, body);
    });
}

/**
 * For the routes of an encapsulated scope that stream their body (the local attachment PUT):
 * octet-stream bodies arrive as the raw request stream, unread, so the route can refuse early
 * and write to disk without holding the body in memory. Fastify's bodyLimit does not apply to
 * a stream; such a route enforces its own limit while reading.
 */
export function streamOctetStream(scope: FastifyInstance): void {
    scope.removeContentTypeParser('application/octet-stream');
    scope.addContentTypeParser('application/octet-stream', (_request, payload, done) => {
        done(null, payload);
    });
}
