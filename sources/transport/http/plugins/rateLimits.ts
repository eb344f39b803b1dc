import rateLimit, { normalizeIP, type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { RequestCounters } from '../../../cluster/requestCounters.ts';
import { ATTACHMENT_REQUESTS_LIMIT } from '../../../cluster/uploadRequests.ts';
import type { Deps } from '../../../deps.ts';
import type { RateLimitClass } from '../../limitsConfig.ts';

const WINDOW_MS = 60_000;

/**
 * Which routes each class covers and whom it counts. `ip` classes are checked first thing
 * (onRequest: nothing parsed, nothing verified), `user` classes right after `authenticate`
 * (preHandler), so one account cannot use up another's budget from the same address. The
 * attachment upload requests keep their own limit (cluster/uploadRequests.ts, spec rest.md §3.3).
 */
const CLASSES: Record<RateLimitClass, { by: 'ip' | 'user'; routes: (method: string, url: string) => boolean; expects: string[] }> = {
    auth: { by: 'ip', ...exactly('POST /v1/auth', 'POST /v1/auth/refresh') },
    pairing: {
        by: 'ip',
        ...exactly(
            'POST /v1/auth/request',
            'GET /v1/auth/request/status',
            'POST /v1/auth/response',
            'POST /v1/auth/account/request',
            'POST /v1/auth/account/response',
        ),
    },
    search: { by: 'user', ...exactly('GET /v1/user/search') },
    push: {
        by: 'user',
        ...exactly('POST /v1/push-tokens', 'GET /v1/push-tokens', 'DELETE /v1/push-tokens/:token', 'POST /v1/sessions/:sessionId/push-event'),
    },
    uploads: {
        by: 'user',
        routes: (_method, url) => url === '/v1/uploads' || url.startsWith('/v1/uploads/'),
        expects: ['POST /v1/uploads'],
    },
    wsTicket: { by: 'user', ...exactly('POST /v1/websocket/ticket') },
};

function exactly(...routes: string[]) {
    const set = new Set(routes);
    return { routes: (method: string, url: string) => set.has(`${method} ${url}`), expects: routes };
}

/** The 429 body (the Workers variant's, spec workers.md §2.2): small, with the wait in seconds. */
export const rateLimitBody = (retryAfter: number) => ({ error: 'Rate limit exceeded', retryAfter });

/** `http_rate_limited_total{limit}`: the class, in the snake case of its RATE_LIMIT_* variable. */
const metricLabel = (name: RateLimitClass) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * Per-minute request limits on the routes an abuser would hammer (auth, pairing, user search,
 * push, uploads, WebSocket tickets), through @fastify/rate-limit with the cluster's request
 * counters as its store: in Redis when the node is one of several (every node counts against
 * the same budget), in memory otherwise. While Redis is unreachable each node counts on its own
 * (cluster/redisRequestCounters.ts): an outage never lifts the limits. Each refusal is counted in
 * http_rate_limited_total. Registered before the routes: it attaches its check to each route as
 * the route is added, and start-up fails if a route it expects no longer exists (a renamed route
 * must not go unlimited).
 */
export async function registerRateLimits(app: FastifyInstance, deps: Pick<Deps, 'config' | 'cluster' | 'log' | 'metrics'>): Promise<void> {
    await app.register(rateLimit, { global: false, store: counterStore(deps.cluster.requestCounters) });
    // Upstream's own limit, counted in its action (attachmentRequestUpload.ts), in the same series.
    deps.metrics.httpRateLimited.inc({ limit: ATTACHMENT_REQUESTS_LIMIT }, 0);
    const checks = new Map<RateLimitClass, (request: FastifyRequest, reply: FastifyReply) => Promise<void>>();
    for (const [name, spec] of Object.entries(CLASSES) as [RateLimitClass, (typeof CLASSES)[RateLimitClass]][]) {
        const max = deps.config.limits.http[name];
        if (max === 0) continue;
        const limit = { limit: metricLabel(name) };
        // The series exist from the start, so rate() sees the first refusal.
        deps.metrics.httpRateLimited.inc(limit, 0);
        const consume = app.createRateLimit({
            max,
            timeWindow: WINDOW_MS,
            keyGenerator: (request) => `${name}:${spec.by === 'user' && request.userId ? request.userId : normalizeIP(request.ip)}`,
        });
        checks.set(name, async (request, reply) => {
            const result = await consume(request);
            if (result.isAllowed || !result.isExceeded) return;
            const retryAfter = Math.max(1, result.ttlInSeconds);
            deps.metrics.httpRateLimited.inc(limit);
            deps.log.debug({ limit: name, route: request.routeOptions.url }, 'rate limit exceeded');
            reply.code(429).header('retry-after', String(retryAfter)).header('x-ratelimit-limit', String(max)).header('x-ratelimit-remaining', '0');
            await reply.send(rateLimitBody(retryAfter));
        });
    }

    const seen = new Set<string>();
    app.addHook('onRoute', (route: RouteOptions) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        // Fastify adds HEAD next to each GET: it counts as the GET it mirrors.
        const method = methods.map((m) => (m === 'HEAD' ? 'GET' : m)).find((m) => m !== undefined)!;
        for (const [name, spec] of Object.entries(CLASSES) as [RateLimitClass, (typeof CLASSES)[RateLimitClass]][]) {
            if (!spec.routes(method, route.url)) continue;
            seen.add(`${method} ${route.url}`);
            const check = checks.get(name);
            if (!check) return;
            const hook = spec.by === 'ip' ? 'onRequest' : 'preHandler';
            const existing = route[hook];
            route[hook] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), check] as never;
            return;
        }
    });
    app.addHook('onReady', async () => {
        const missing = Object.values(CLASSES).flatMap((spec) => spec.expects.filter((route) => !seen.has(route)));
        if (missing.length > 0) throw new Error(`rate limits name routes that do not exist: ${missing.join(', ')}`);
    });
}

/**
 * @fastify/rate-limit's store over the cluster's request counters. Every class shares it (the
 * class begins the key, `<class>:<address or account>`). It does not fail while Redis is away:
 * the Redis counters then fall back to this node's own.
 */
function counterStore(counters: RequestCounters) {
    return class CounterStore implements FastifyRateLimitStore {
        incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
            counters.hit(key, timeWindow).then(
                ({ count, resetInMs }) => callback(null, { current: count, ttl: resetInMs }),
                (error: Error) => callback(error),
            );
        }

        child(): FastifyRateLimitStore {
            return this;
        }
    };
}
