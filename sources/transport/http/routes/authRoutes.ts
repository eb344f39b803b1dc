import type { FastifyInstance } from 'fastify';
import { authLogin } from '../../../actions/auth/authLogin.ts';
import { authRefresh } from '../../../actions/auth/authRefresh.ts';
import { authTerminalStatus } from '../../../actions/auth/authTerminalStatus.ts';
import {
    authAccountRequest,
    authAccountResponse,
    authTerminalRequest,
    authTerminalResponse,
} from '../../../actions/auth/pairingActions.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import { createAuthenticate, workersRefreshRefusal, type Authenticate } from '../plugins/authenticate.ts';

/** Auth bodies are a few hundred bytes; nothing here needs the global 100 MiB limit. */
const AUTH_BODY_LIMIT = 128 * 1024;

export function authRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    const post = { method: 'POST', from: 'body', bodyLimit: AUTH_BODY_LIMIT } as const;
    httpAction(app, deps, { ...post, url: '/v1/auth', action: authLogin });
    httpAction(app, deps, { ...post, url: '/v1/auth/request', action: authTerminalRequest });
    httpAction(app, deps, { method: 'GET', from: 'querystring', url: '/v1/auth/request/status', action: authTerminalStatus });
    httpAction(app, deps, { ...post, url: '/v1/auth/response', action: authTerminalResponse, authenticate });
    httpAction(app, deps, { ...post, url: '/v1/auth/account/request', action: authAccountRequest });
    httpAction(app, deps, { ...post, url: '/v1/auth/account/response', action: authAccountResponse, authenticate });
    // The Workers-generation clients post no body here and read their own 401 body (spec workers.md §2.2, §2.4).
    const refreshAuthenticate = createAuthenticate(deps.tokens, workersRefreshRefusal);
    httpAction(app, deps, {
        method: 'POST',
        url: '/v1/auth/refresh',
        from: 'querystring',
        bodyLimit: NO_BODY_LIMIT,
        action: authRefresh,
        authenticate: refreshAuthenticate,
    });
}
