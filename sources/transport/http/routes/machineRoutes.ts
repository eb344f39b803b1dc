import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { machineCreate } from '../../../actions/machine/machineCreate.ts';
import { machineDelete } from '../../../actions/machine/machineDelete.ts';
import { machineGet } from '../../../actions/machine/machineGet.ts';
import { machineList } from '../../../actions/machine/machineList.ts';
import { machineId } from '../../../actions/machine/machineSchemas.ts';
import { machineStatusBody, machineUpdateStatus } from '../../../actions/machine/machineUpdateStatus.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/**
 * Machines (spec rest.md §3.5). A create body holds two values of at most 1M characters each
 * plus a small key; 4 MiB instead of the global 100 MiB keeps a bad client from parking
 * hundreds of megabytes per request; a status write (spec workers.md §2.4) holds the same two
 * values. The other routes carry no body.
 */
const MACHINE_BODY_LIMIT = 4 * 1024 * 1024;

export function machineRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'POST', url: '/v1/machines', from: 'body', bodyLimit: MACHINE_BODY_LIMIT, action: machineCreate, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/machines', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: machineList, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/machines/:id', from: 'params', bodyLimit: NO_BODY_LIMIT, action: machineGet, authenticate });
    httpAction(app, deps, {
        method: 'PUT',
        url: '/v1/machines/:id/status',
        from: { params: z.object({ id: machineId }), body: machineStatusBody },
        bodyLimit: MACHINE_BODY_LIMIT,
        action: machineUpdateStatus,
        authenticate,
    });
    httpAction(app, deps, { method: 'DELETE', url: '/v1/machines/:id', from: 'params', bodyLimit: NO_BODY_LIMIT, action: machineDelete, authenticate });
}
