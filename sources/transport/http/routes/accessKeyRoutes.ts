import type { FastifyInstance } from 'fastify';
import { accessKeyCreate, accessKeyCreateBody } from '../../../actions/accessKey/accessKeyCreate.ts';
import { accessKeyGet } from '../../../actions/accessKey/accessKeyGet.ts';
import { ACCESS_KEY_BODY_LIMIT, accessKeyParams } from '../../../actions/accessKey/accessKeySchemas.ts';
import { accessKeyUpdate, accessKeyUpdateBody } from '../../../actions/accessKey/accessKeyUpdate.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** Access keys per session and machine (spec rest.md §3.7). No realtime events. */
export function accessKeyRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    const url = '/v1/access-keys/:sessionId/:machineId';
    httpAction(app, deps, { method: 'GET', url, from: 'params', bodyLimit: NO_BODY_LIMIT, action: accessKeyGet, authenticate });
    httpAction(app, deps, {
        method: 'POST',
        url,
        from: { params: accessKeyParams, body: accessKeyCreateBody },
        bodyLimit: ACCESS_KEY_BODY_LIMIT,
        action: accessKeyCreate,
        authenticate,
    });
    httpAction(app, deps, {
        method: 'PUT',
        url,
        from: { params: accessKeyParams, body: accessKeyUpdateBody },
        bodyLimit: ACCESS_KEY_BODY_LIMIT,
        action: accessKeyUpdate,
        authenticate,
    });
}
