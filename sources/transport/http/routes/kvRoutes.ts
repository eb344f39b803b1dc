import type { FastifyInstance } from 'fastify';
import { kvBulkGet } from '../../../actions/kv/kvBulkGet.ts';
import { kvGet } from '../../../actions/kv/kvGet.ts';
import { kvList } from '../../../actions/kv/kvList.ts';
import { kvMutate } from '../../../actions/kv/kvMutate.ts';
import { KV_BULK_BODY_LIMIT, KV_MUTATE_BODY_LIMIT } from '../../../actions/kv/kvSchemas.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** The per-account key-value store (spec rest.md §3.8). */
export function kvRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/kv/:key', from: 'params', bodyLimit: NO_BODY_LIMIT, action: kvGet, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/kv', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: kvList, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/kv/bulk', from: 'body', bodyLimit: KV_BULK_BODY_LIMIT, action: kvBulkGet, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/kv', from: 'body', bodyLimit: KV_MUTATE_BODY_LIMIT, action: kvMutate, authenticate });
}
