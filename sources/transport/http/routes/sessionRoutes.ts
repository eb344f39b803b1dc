import type { FastifyInstance } from 'fastify';
import { messageAppend, messageAppendBody } from '../../../actions/session/messageAppend.ts';
import { MESSAGE_MAX_CHARS, messageCreate, messageCreateBody } from '../../../actions/session/messageCreate.ts';
import { messageList, messageListQuery } from '../../../actions/session/messageList.ts';
import { messageListLegacy } from '../../../actions/session/messageListLegacy.ts';
import { messagePage, messagePageQuery } from '../../../actions/session/messagePage.ts';
import { sessionArchive } from '../../../actions/session/sessionArchive.ts';
import { sessionCreate } from '../../../actions/session/sessionCreate.ts';
import { sessionDelete } from '../../../actions/session/sessionDelete.ts';
import { sessionGet } from '../../../actions/session/sessionGet.ts';
import { sessionList } from '../../../actions/session/sessionList.ts';
import { sessionListActive } from '../../../actions/session/sessionListActive.ts';
import { sessionListPage } from '../../../actions/session/sessionListPage.ts';
import { sessionState } from '../../../actions/session/sessionState.ts';
import { sessionParams } from '../../../actions/session/sessionViews.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** Sessions and their messages (spec rest.md §3.1-§3.2, and workers.md §2.4 for the Workers-generation clients). */
export function sessionRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/sessions', from: 'querystring', action: sessionList, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v2/sessions/active', from: 'querystring', action: sessionListActive, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v2/sessions', from: 'querystring', action: sessionListPage, authenticate });
    httpAction(app, deps, {
        method: 'POST',
        url: '/v1/sessions',
        from: 'body',
        bodyLimit: 8 * 1024 * 1024,
        action: sessionCreate,
        authenticate,
    });
    httpAction(app, deps, { method: 'POST', url: '/v1/sessions/:sessionId/archive', from: 'params', action: sessionArchive, authenticate });
    httpAction(app, deps, { method: 'DELETE', url: '/v1/sessions/:sessionId', from: 'params', action: sessionDelete, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/sessions/:sessionId/messages', from: 'params', action: messageListLegacy, authenticate });
    httpAction(app, deps, {
        method: 'GET',
        url: '/v3/sessions/:sessionId/messages',
        from: { params: sessionParams, querystring: messageListQuery },
        action: messageList,
        authenticate,
    });
    httpAction(app, deps, {
        method: 'POST',
        url: '/v3/sessions/:sessionId/messages',
        from: { params: sessionParams, body: messageAppendBody },
        action: messageAppend,
        authenticate,
    });

    // The Workers-generation extras (spec workers.md §2.4).
    httpAction(app, deps, { method: 'GET', url: '/v1/sessions/:sessionId', from: 'params', bodyLimit: NO_BODY_LIMIT, action: sessionGet, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/sessions/:sessionId/state', from: 'params', bodyLimit: NO_BODY_LIMIT, action: sessionState, authenticate });
    httpAction(app, deps, {
        method: 'GET',
        url: '/v2/sessions/:sessionId/messages',
        from: { params: sessionParams, querystring: messagePageQuery },
        bodyLimit: NO_BODY_LIMIT,
        action: messagePage,
        authenticate,
    });
    httpAction(app, deps, {
        method: 'POST',
        url: '/v1/sessions/:sessionId/messages',
        from: { params: sessionParams, body: messageCreateBody },
        // One message of at most MESSAGE_MAX_CHARS (base64 needs no JSON escapes), and a localId.
        bodyLimit: MESSAGE_MAX_CHARS + 64 * 1024,
        action: messageCreate,
        authenticate,
    });
}
