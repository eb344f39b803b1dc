import type { FastifyInstance } from 'fastify';
import { pushTokenDelete } from '../../../actions/pushToken/pushTokenDelete.ts';
import { pushTokenList } from '../../../actions/pushToken/pushTokenList.ts';
import { pushTokenRegister } from '../../../actions/pushToken/pushTokenRegister.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** One token of at most 512 characters. */
const REGISTER_BODY_LIMIT = 16 * 1024;

/** The devices push notifications go to (spec rest.md §3.4); storage only. */
export function pushTokenRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'POST', url: '/v1/push-tokens', from: 'body', bodyLimit: REGISTER_BODY_LIMIT, action: pushTokenRegister, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/push-tokens', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: pushTokenList, authenticate });
    httpAction(app, deps, { method: 'DELETE', url: '/v1/push-tokens/:token', from: 'params', bodyLimit: NO_BODY_LIMIT, action: pushTokenDelete, authenticate });
}
