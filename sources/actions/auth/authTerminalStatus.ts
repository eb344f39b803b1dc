import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { base64Bytes, publicKeyHex } from '../schemas.ts';
import { findPairingRequest, isAnswered } from './pairingRequests.ts';

type TerminalStatus = { status: 'not_found' | 'pending' | 'authorized'; supportsV2: boolean };

/**
 * GET /v1/auth/request/status: lets the app show what a scanned terminal request is waiting for.
 * Upstream always said `supportsV2: false` once authorized (weak spot 24); this reports the flag.
 */
export const authTerminalStatus = defineAction({
    input: z.object({ publicKey: base64Bytes }),
    async run(deps, _caller: null, { publicKey }) {
        const request = publicKey.length === 32
            ? await findPairingRequest(deps.db.prisma, 'terminal', publicKeyHex(publicKey))
            : null;
        if (!request) return ok<TerminalStatus>({ status: 'not_found', supportsV2: false });
        return ok<TerminalStatus>({ status: isAnswered(request) ? 'authorized' : 'pending', supportsV2: request.supportsV2 });
    },
});
