import { z } from 'zod';
import { defineAction, ok } from '../action.ts';

/**
 * POST /v1/websocket/ticket (spec workers.md §2.4): a one-use, 30-second credential for
 * `/v1/updates?ticket=`, so the Workers-generation app keeps its token out of URLs. The app
 * posts no body (or `{}`); whatever it sends is ignored.
 */
export const websocketTicket = defineAction({
    input: z.unknown(),
    async run(deps, caller) {
        return ok({ ticket: deps.tickets.issue(caller.userId) });
    },
});
