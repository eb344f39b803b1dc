import type { FastifyInstance } from 'fastify';
import { friendAdd } from '../../../actions/social/friendAdd.ts';
import { friendList } from '../../../actions/social/friendList.ts';
import { friendRemove } from '../../../actions/social/friendRemove.ts';
import { userGet } from '../../../actions/social/userGet.ts';
import { userSearch } from '../../../actions/social/userSearch.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** `{uid}` with an id of at most 100 characters; room to spare for fields clients may add. */
const FRIEND_BODY_LIMIT = 4 * 1024;

/** Users and friends (spec rest.md §3.10). `/v1/user/search` is a static path and wins over `:id`. */
export function userRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/user/search', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: userSearch, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/user/:id', from: 'params', bodyLimit: NO_BODY_LIMIT, action: userGet, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/friends/add', from: 'body', bodyLimit: FRIEND_BODY_LIMIT, action: friendAdd, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/friends/remove', from: 'body', bodyLimit: FRIEND_BODY_LIMIT, action: friendRemove, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/friends', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: friendList, authenticate });
}
