import type { FastifyInstance } from 'fastify';
import { feedList } from '../../../actions/feed/feedList.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** The feed (spec rest.md §3.11): read only; items are posted by the friend flows. */
export function feedRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/feed', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: feedList, authenticate });
}
