import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.ts';

/**
 * `GET /` banner, `GET /health` with a database round trip (spec rest.md §1.9), and `GET /ready`
 * for load balancers: 503 while this node cannot reach Redis, so traffic goes to nodes that can
 * deliver across the cluster (it keeps serving the clients it has meanwhile).
 */
export function infraRoutes(app: FastifyInstance, deps: Deps): void {
    app.get('/', async (_request, reply) => {
        reply.type('text/plain; charset=utf-8').send('Welcome to Happy Server!');
    });

    app.get('/health', async (request, reply) => {
        const timestamp = new Date().toISOString();
        try {
            await deps.db.sql.query('SELECT 1');
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
        const redis = await deps.cluster.health();
        if (redis === 'down') return reply.code(503).send({ status: 'degraded', redis });
        return reply.send({ status: 'ready', redis });
    });
}
