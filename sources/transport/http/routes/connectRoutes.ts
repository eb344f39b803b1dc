import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { githubCallback } from '../../../actions/connect/githubCallback.ts';
import { githubParams } from '../../../actions/connect/githubParams.ts';
import { githubUnlink } from '../../../actions/connect/githubUnlink.ts';
import { GITHUB_WEBHOOK_BODY_LIMIT, githubWebhook, githubWebhookHeaders } from '../../../actions/connect/githubWebhook.ts';
import { vendorTokenDelete } from '../../../actions/connect/vendorTokenDelete.ts';
import { vendorTokenGet } from '../../../actions/connect/vendorTokenGet.ts';
import { vendorTokenList } from '../../../actions/connect/vendorTokenList.ts';
import { vendorTokenRegister } from '../../../actions/connect/vendorTokenRegister.ts';
import { VENDOR_REGISTER_BODY_LIMIT, vendorParams } from '../../../actions/connect/vendorTokens.ts';
import type { Deps } from '../../../deps.ts';
import { sendResult } from '../fileReplies.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

type WebhookHeaders = z.output<typeof githubWebhookHeaders>;

/**
 * GitHub connect and vendor API keys (spec rest.md §3.12). `/v1/connect/github` is a static
 * segment, so the vendor routes never see it (an unknown vendor is a 400 from their schema).
 */
export function connectRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/connect/github/params', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: githubParams, authenticate });
    httpAction(app, deps, { method: 'DELETE', url: '/v1/connect/github', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: githubUnlink, authenticate });
    app.get('/v1/connect/github/callback', { schema: { querystring: githubCallback.input }, bodyLimit: NO_BODY_LIMIT }, async (request, reply) => {
        const result = await githubCallback.run(deps, null, request.query as z.output<typeof githubCallback.input>);
        if (!result.ok) return sendResult(reply, result);
        return reply.redirect(result.value.location, 302);
    });
    // Its own scope: the signature covers the exact bytes GitHub sent, so the body stays raw.
    app.register(async (scope) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
        scope.post(
            '/v1/connect/github/webhook',
            { schema: { headers: githubWebhookHeaders }, bodyLimit: GITHUB_WEBHOOK_BODY_LIMIT },
            async (request: FastifyRequest<{ Headers: WebhookHeaders }>, reply) => {
                const input = {
                    signature: request.headers['x-hub-signature-256'],
                    event: request.headers['x-github-event'],
                    delivery: request.headers['x-github-delivery'],
                    payload: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
                };
                return sendResult(reply, await githubWebhook.run(deps, null, input));
            },
        );
    });

    httpAction(app, deps, { method: 'GET', url: '/v1/connect/tokens', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: vendorTokenList, authenticate });
    httpAction(app, deps, {
        method: 'POST',
        url: '/v1/connect/:vendor/register',
        from: { params: vendorParams, body: vendorTokenRegister.input.omit({ vendor: true }) },
        bodyLimit: VENDOR_REGISTER_BODY_LIMIT,
        action: vendorTokenRegister,
        authenticate,
    });
    httpAction(app, deps, { method: 'GET', url: '/v1/connect/:vendor/token', from: 'params', bodyLimit: NO_BODY_LIMIT, action: vendorTokenGet, authenticate });
    httpAction(app, deps, { method: 'DELETE', url: '/v1/connect/:vendor', from: 'params', bodyLimit: NO_BODY_LIMIT, action: vendorTokenDelete, authenticate });
}
