import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../../../auth/tokens.ts';

declare module 'fastify' {
    interface FastifyRequest {
        /** The account of the bearer token; set by `authenticate`, empty on public routes. */
        userId: string;
    }
}

const BEARER = 'Bearer ';
/** Marks the preHandler, so the API document can tell which routes need a token. */
const BEARER_AUTH = Symbol('bearer auth');

/** preHandler for protected routes: exact upstream 401 bodies (spec rest.md §1.6). */
export function createAuthenticate(tokens: TokenService) {
    const authenticate = async function authenticate(request: FastifyRequest, reply: FastifyReply) {
        const header = request.headers.authorization;
        if (typeof header !== 'string' || !header.startsWith(BEARER)) {
            return reply.code(401).send({ error: 'Missing authorization header' });
        }
        let verified;
        try {
            verified = await tokens.verify(header.slice(BEARER.length));
        } catch (error) {
            request.log.error({ err: error }, 'token verification failed unexpectedly');
            return reply.code(401).send({ error: 'Authentication failed' });
        }
        if (!verified) return reply.code(401).send({ error: 'Invalid token' });
        request.userId = verified.userId;
    };
    return Object.assign(authenticate, { [BEARER_AUTH]: true as const });
}

/** True when a route's preHandler (one or a list) includes `authenticate`. */
export function requiresBearer(preHandler: unknown): boolean {
    const handlers: unknown[] = Array.isArray(preHandler) ? preHandler : [preHandler];
    return handlers.some((handler) => typeof handler === 'function' && BEARER_AUTH in handler);
}

export type Authenticate = ReturnType<typeof createAuthenticate>;
