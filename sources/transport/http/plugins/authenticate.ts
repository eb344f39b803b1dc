import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../../../auth/tokens.ts';
import { unavailableDependency } from './errorHandler.ts';

declare module 'fastify' {
    interface FastifyRequest {
        /** The account of the bearer token; set by `authenticate`, empty on public routes. */
        userId: string;
    }
}

const BEARER = 'Bearer ';
/** Marks the preHandler, so the API document can tell which routes need a token. */
const BEARER_AUTH = Symbol('bearer auth');

/** The JSON a refused request gets, from the reason upstream names. */
export type RefusalBody = (error: string) => Record<string, unknown>;

/** Upstream's 401 bodies (spec rest.md §1.6). */
const upstreamRefusal: RefusalBody = (error) => ({ error });

/**
 * The Workers-generation clients' refresh call reads `{success:false, error, code}` (spec
 * workers.md §2.2). Tokens here do not expire, so the code is always TOKEN_INVALID.
 */
export const workersRefreshRefusal: RefusalBody = (error) => ({ success: false, error, code: 'TOKEN_INVALID' });

/** preHandler for protected routes; `refusal` shapes the 401 bodies (upstream's by default). */
export function createAuthenticate(tokens: TokenService, refusal: RefusalBody = upstreamRefusal) {
    const authenticate = async function authenticate(request: FastifyRequest, reply: FastifyReply) {
        const header = request.headers.authorization;
        if (typeof header !== 'string' || !header.startsWith(BEARER)) {
            return reply.code(401).send(refusal('Missing authorization header'));
        }
        let verified;
        try {
            verified = await tokens.verify(header.slice(BEARER.length));
        } catch (error) {
            // The revocation check reads the database: its outage is a 503 (try again), never a
            // 401, on which a client would drop credentials that are fine.
            if (unavailableDependency(error)) throw error;
            request.log.error({ err: error }, 'token verification failed unexpectedly');
            return reply.code(401).send(refusal('Authentication failed'));
        }
        if (!verified) return reply.code(401).send(refusal('Invalid token'));
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
