import type { FastifyInstance } from 'fastify';
import { CLIENT_LOG_BODY_LIMIT, clientLogWrite } from '../../../actions/devLog/clientLogWrite.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction } from '../httpAction.ts';

/** The env-gated client log sink (spec rest.md §3.15); without it the path is an unknown route. */
export function clientLogRoutes(app: FastifyInstance, deps: Deps): void {
    if (!deps.clientLog) return;
    httpAction(app, deps, {
        method: 'POST',
        url: '/logs-combined-from-cli-and-mobile-for-simple-ai-debugging',
        from: 'body',
        bodyLimit: CLIENT_LOG_BODY_LIMIT,
        action: clientLogWrite,
    });
}
