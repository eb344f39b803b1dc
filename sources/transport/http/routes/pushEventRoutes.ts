import type { FastifyInstance } from 'fastify';
import { pushEventBody, pushEventParams, sessionPushEvent } from '../../../actions/push/sessionPushEvent.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** A title, a body and a little data; Expo itself refuses notifications over 4 KiB. */
const PUSH_EVENT_BODY_LIMIT = 64 * 1024;

/** Session events and the push notifications they send (spec rest.md §3.4). */
export function pushEventRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, {
        method: 'POST',
        url: '/v1/sessions/:sessionId/push-event',
        from: { params: pushEventParams, body: pushEventBody },
        bodyLimit: PUSH_EVENT_BODY_LIMIT,
        action: sessionPushEvent,
        authenticate,
    });
}
