import { defineAction, ok } from '../action.ts';
import { vendorParams, vendorTokenPath } from './vendorTokens.ts';

/**
 * GET /v1/connect/:vendor/token: the caller's key in plain text, or null. A blob that does not
 * open (another master secret) is a server fault: a 500, as upstream.
 */
export const vendorTokenGet = defineAction({
    input: vendorParams,
    async run(deps, caller, { vendor }) {
        const row = await deps.db.prisma.serviceAccountToken.findUnique({
            where: { accountId_vendor: { accountId: caller.userId, vendor } },
            select: { token: true },
        });
        const token = row ? await deps.keyTree.decrypt(vendorTokenPath(caller.userId, vendor), row.token) : null;
        return ok({ token });
    },
});
