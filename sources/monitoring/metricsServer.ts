import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './log.ts';

export interface MetricsServer {
    /** The bound port (useful with port 0). */
    readonly port: number;
    close(): Promise<void>;
}

/**
 * Prometheus' listener, on its own port as upstream (spec rest.md §1.10): `GET /metrics` and a
 * `GET /health` that answers as long as the process does, with no database check, so it can
 * serve as a liveness probe that a database outage does not fail (upstream used the API's
 * /health for both probes and restarted every pod on a database outage, storage.md R10).
 * No Fastify here: nothing but two routes, and nothing to slow start-up.
 *
 * Resolves null when the port is taken: the server then runs without metrics, as upstream did.
 */
export async function startMetricsServer(
    registry: Registry,
    log: Logger,
    { port, host }: { port: number; host: string },
): Promise<MetricsServer | null> {
    const server = createServer((request, response) => {
        void answer(registry, log, request, response);
    });
    try {
        await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(port, host, () => {
                server.off('error', reject);
                resolve();
            });
        });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        log.warn({ port }, 'metrics port in use: serving without /metrics');
        return null;
    }
    const address = server.address();
    return {
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeIdleConnections();
            }),
    };
}

async function answer(registry: Registry, log: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    const readOnly = request.method === 'GET' || request.method === 'HEAD';
    if (readOnly && path === '/metrics') {
        try {
            const text = await registry.metrics();
            return send(response, 200, registry.contentType, text);
        } catch (error) {
            log.error({ err: error }, 'metrics scrape failed');
            return send(response, 500, 'text/plain; charset=utf-8', 'Internal Server Error');
        }
    }
    if (readOnly && path === '/health') {
        return send(response, 200, 'application/json; charset=utf-8', JSON.stringify({ status: 'ok', timestamp: new Date().toISOString() }));
    }
    send(response, 404, 'application/json; charset=utf-8', JSON.stringify({ error: 'Not found', path: request.url, method: request.method }));
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
    response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    response.end(response.req.method === 'HEAD' ? undefined : body);
}
