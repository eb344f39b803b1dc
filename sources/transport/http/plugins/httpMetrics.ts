import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../../monitoring/metrics.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/**
 * `http_requests_total` and `http_request_duration_seconds` with upstream's labels (spec
 * rest.md §1.5), every value bounded: the route template, or `unmatched` for every path no
 * route matched (upstream used the raw path, one series per scanner URL), and the client
 * header normalised (monitoring/labels.ts).
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
    app.addHook('onResponse', async (request, reply) => {
        const labels = {
            method: METHODS.has(request.method) ? request.method : 'OTHER',
            route: request.routeOptions.url ?? 'unmatched',
            status: String(reply.statusCode),
            ...metrics.clients.labels(request.headers['x-happy-client']),
        };
        metrics.httpRequests.inc(labels);
        metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });
}
