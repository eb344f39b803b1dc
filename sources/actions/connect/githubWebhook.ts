import { z } from 'zod';
import { isGithubSignatureValid } from '../../integrations/githubWebhook.ts';
import { defineAction, fail, ok } from '../action.ts';

/** The headers GitHub sends with every delivery (names as Node lower-cases them). */
export const githubWebhookHeaders = z.object({
    'x-hub-signature-256': z.string().max(200),
    'x-github-event': z.string().max(100),
    'x-github-delivery': z.string().max(100).optional(),
});

/** GitHub caps a delivery at 25 MB. */
export const GITHUB_WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

const payloadSummary = z.looseObject({ action: z.string().optional() });

/**
 * POST /v1/connect/github/webhook (spec rest.md §3.12): a delivery signed with
 * GITHUB_WEBHOOK_SECRET is acknowledged and logged (event, delivery id, action), nothing more.
 * Unlike upstream, what the caller got wrong is a 4xx (rest.md weak spot 13): no body 400, a bad
 * signature 401 (upstream: 500, so GitHub retried forgeries), a signed body that is not JSON 400.
 */
export const githubWebhook = defineAction({
    input: z.object({ signature: z.string(), event: z.string(), delivery: z.string().optional(), payload: z.instanceof(Buffer) }),
    async run(deps, _caller: null, { signature, event, delivery, payload }) {
        if (payload.length === 0) return fail('bad-request', 'Missing request body');
        const secret = deps.config.github.webhookSecret;
        if (!secret) return fail('unavailable', 'Webhooks not configured');
        if (!isGithubSignatureValid(secret, payload, signature)) {
            deps.log.warn({ event, delivery }, 'GitHub webhook with an invalid signature');
            return fail('unauthorized', 'Invalid signature');
        }
        const parsed = payloadSummary.safeParse(jsonOrUndefined(payload));
        if (!parsed.success) return fail('bad-request', 'Invalid payload');
        deps.log.info({ event, delivery, action: parsed.data.action?.slice(0, 100) }, 'GitHub webhook received');
        return ok({ received: true as const });
    },
});

function jsonOrUndefined(payload: Buffer): unknown {
    try {
        return JSON.parse(payload.toString('utf8'));
    } catch {
        return undefined;
    }
}
