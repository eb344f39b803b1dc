import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { base64Bytes, publicKeyHex } from '../schemas.ts';
import { answerPairingRequest, isAnswered, openPairingRequest, type PairingKind } from './pairingRequests.ts';

/**
 * The two pairing flows of spec rest.md §2.3-§2.4, built from one store. The device polls
 * `request` until it is `authorized`; a logged-in app approves with `response`.
 */

const KEY_LENGTH = 32;

type PairingPoll = { state: 'requested' } | { state: 'authorized'; token: string; response: string };

/** POST /v1/auth/request and POST /v1/auth/account/request (public, polled by the device). */
export function pairingRequestAction(kind: PairingKind) {
    return defineAction({
        input: z.object({
            publicKey: base64Bytes,
            supportsV2: z.boolean().nullish(),
        }),
        async run(deps, _caller: null, { publicKey, supportsV2 }) {
            if (publicKey.length !== KEY_LENGTH) return fail('unauthorized', 'Invalid public key');
            const request = await openPairingRequest(deps.db.prisma, kind, publicKeyHex(publicKey), supportsV2 ?? false);
            if (!isAnswered(request)) return ok<PairingPoll>({ state: 'requested' });
            // Terminal tokens name the pairing request they came from, as upstream's do.
            const extras = kind === 'terminal' ? { session: request.id } : undefined;
            const token = await deps.tokens.issue(request.responseAccountId, extras);
            return ok<PairingPoll>({ state: 'authorized', token, response: request.response });
        },
    });
}

/** POST /v1/auth/response and POST /v1/auth/account/response (the approving app). */
export function pairingResponseAction(kind: PairingKind) {
    return defineAction({
        input: z.object({
            response: z.string().max(64 * 1024),
            publicKey: base64Bytes,
        }),
        async run(deps, caller, { response, publicKey }) {
            if (publicKey.length !== KEY_LENGTH) return fail('unauthorized', 'Invalid public key');
            const outcome = await answerPairingRequest(
                deps.db.prisma,
                kind,
                publicKeyHex(publicKey),
                caller.userId,
                response,
            );
            switch (outcome) {
                case 'not-found':
                    return fail('not-found', 'Request not found');
                case 'answered-by-another-account':
                    return fail('conflict', 'Request already answered');
                default:
                    return ok({ success: true });
            }
        },
    });
}

export const authTerminalRequest = pairingRequestAction('terminal');
export const authTerminalResponse = pairingResponseAction('terminal');
export const authAccountRequest = pairingRequestAction('account');
export const authAccountResponse = pairingResponseAction('account');
