import type { FastifyInstance } from 'fastify';
import { voiceAccess } from '../../../actions/voice/voiceAccess.ts';
import { voiceConversationCreate } from '../../../actions/voice/voiceConversationCreate.ts';
import { voiceUsage } from '../../../actions/voice/voiceUsage.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/** Voice chat through ElevenLabs, within quotas (spec rest.md §3.13). */
export function voiceRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'POST', url: '/v1/voice/conversations', from: 'body', bodyLimit: NO_BODY_LIMIT, action: voiceConversationCreate, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/voice/access', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: voiceAccess, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/voice/usage', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: voiceUsage, authenticate });
}
