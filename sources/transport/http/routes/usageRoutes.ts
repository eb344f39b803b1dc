import type { FastifyInstance } from 'fastify';
import { usageQuery } from '../../../actions/usage/usageQuery.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** A session id, two numbers and a word. */
const QUERY_BODY_LIMIT = 16 * 1024;

/** Usage totals (spec rest.md §3.9); the reports themselves arrive over the socket. */
export function usageRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'POST', url: '/v1/usage/query', from: 'body', bodyLimit: QUERY_BODY_LIMIT, action: usageQuery, authenticate });
}
