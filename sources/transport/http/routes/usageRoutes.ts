import type { FastifyInstance } from 'fastify';
import { usageLimitsGet } from '../../../actions/usage/usageLimitsGet.ts';
import { usageQuery } from '../../../actions/usage/usageQuery.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** A session id, two numbers and a word. */
const QUERY_BODY_LIMIT = 16 * 1024;

/**
 * Usage totals (spec rest.md §3.9) and the plan limits of the Workers generation (spec
 * workers.md §2.4); the reports and the limits themselves arrive over the socket.
 */
export function usageRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'POST', url: '/v1/usage/query', from: 'body', bodyLimit: QUERY_BODY_LIMIT, action: usageQuery, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/usage/limits', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: usageLimitsGet, authenticate });
}
