import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.ts';
import { withTimeout } from '../../../utils/withTimeout.ts';
import { addServerTiming } from '../plugins/requestContext.ts';

/** A probe wants an answer, not a hung request: like each /ready check, a database that does not answer within this is down. */
const HEALTH_CHECK_MS = 2_000;

/**
 * `GET /` banner, `GET /health` with a database round trip (spec rest.md §1.9), and `GET /ready`
 * for load balancers: every dependency with its state (`up`, `down`, or `none` when not
 * configured), 503 naming those that are down, so traffic goes to nodes that can serve it (a
 * node without Redis keeps serving the clients it has meanwhile). Each check is a
 * Server-Timing entry.
 */
export function infraRoutes(app: FastifyInstance, deps: Deps): void {
    // With a web app, `/` is its index.html (plugins/webApp.ts).
    if (!deps.config.webApp) {
        app.get('/', async (_request, reply) => {
            return reply.type('text/plain; charset=utf-8').send('Welcome to Happy Server!');
        });
    }

    app.get('/health', async (request, reply) => {
        const timestamp = new Date().toISOString();
        try {
            await withTimeout(deps.db.sql.query('SELECT 1'), HEALTH_CHECK_MS);
            return reply.send({ status: 'ok', timestamp, service: 'happy-server' });
        } catch (error) {
            request.log.error({ err: error }, 'health check: database unreachable');
            return reply.code(503).send({
                status: 'error',
                timestamp,
                service: 'happy-server',
                error: 'Database connectivity failed',
            });
        }
    });

    app.get('/ready', async (_request, reply) => {
        const reports = await deps.readiness.check();
        for (const report of reports) addServerTiming(reply, report.name, report.ms);
        const states = Object.fromEntries(reports.map((report) => [report.name, report.state]));
        const down = reports.filter((report) => report.state === 'down').map((report) => report.name);
        if (down.length > 0) return reply.code(503).send({ status: 'degraded', ...states, down });
        return reply.send({ status: 'ready', ...states });
    });
}
