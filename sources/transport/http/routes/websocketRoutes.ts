import type { FastifyInstance } from 'fastify';
import { websocketBroadcast } from '../../../actions/websocket/websocketBroadcast.ts';
import { websocketStats } from '../../../actions/websocket/websocketStats.ts';
import { websocketTicket } from '../../../actions/websocket/websocketTicket.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** The native WebSocket's REST companions (spec workers.md §2.4); the socket itself is transport/native. */
export function websocketRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'POST', url: '/v1/websocket/ticket', from: 'body', bodyLimit: NO_BODY_LIMIT, action: websocketTicket, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/websocket/stats', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: websocketStats, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/websocket/broadcast', from: 'body', bodyLimit: 1024 * 1024, action: websocketBroadcast, authenticate });
}
