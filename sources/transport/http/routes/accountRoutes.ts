import type { FastifyInstance } from 'fastify';
import { accountProfile } from '../../../actions/account/accountProfile.ts';
import { accountProfileUpdate } from '../../../actions/account/accountProfileUpdate.ts';
import { accountSettingsGet } from '../../../actions/account/accountSettingsGet.ts';
import { accountSettingsUpdate, SETTINGS_MAX_CHARS } from '../../../actions/account/accountSettingsUpdate.ts';
import { appVersionCheck } from '../../../actions/account/appVersionCheck.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** The largest legal settings body: every character written as a six-byte `\uXXXX` escape. */
const SETTINGS_BODY_LIMIT = 6 * SETTINGS_MAX_CHARS + 16 * 1024;

/** Three short strings. */
const VERSION_BODY_LIMIT = 16 * 1024;

/** Two names and a username. */
const PROFILE_BODY_LIMIT = 16 * 1024;

/**
 * The account's own profile and settings (spec rest.md §3.9), under the Workers-generation names
 * too (spec workers.md §2.4: preferences are the settings document), and the app version check
 * (§3.14).
 */
export function accountRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/account/profile', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: accountProfile, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/account/settings', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: accountSettingsGet, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/account/settings', from: 'body', bodyLimit: SETTINGS_BODY_LIMIT, action: accountSettingsUpdate, authenticate });
    // The Workers-generation names of the same things (spec workers.md §2.4).
    httpAction(app, deps, { method: 'GET', url: '/v1/account', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: accountProfile, authenticate });
    httpAction(app, deps, { method: 'PUT', url: '/v1/account', from: 'body', bodyLimit: PROFILE_BODY_LIMIT, action: accountProfileUpdate, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/account/preferences', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: accountSettingsGet, authenticate });
    httpAction(app, deps, { method: 'PUT', url: '/v1/account/preferences', from: 'body', bodyLimit: SETTINGS_BODY_LIMIT, action: accountSettingsUpdate, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/version', from: 'body', bodyLimit: VERSION_BODY_LIMIT, action: appVersionCheck });
}
