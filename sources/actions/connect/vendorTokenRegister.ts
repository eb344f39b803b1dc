import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { VENDOR_TOKEN_MAX_CHARS, vendorParams, vendorTokenPath } from './vendorTokens.ts';

/** POST /v1/connect/:vendor/register: stores (or replaces) the caller's key, encrypted at rest. */
export const vendorTokenRegister = defineAction({
    input: vendorParams.extend({ token: z.string().max(VENDOR_TOKEN_MAX_CHARS) }),
    async run(deps, caller, { vendor, token }) {
        const accountId = caller.userId;
        const sealed = await deps.keyTree.encrypt(vendorTokenPath(accountId, vendor), token);
        await deps.db.prisma.serviceAccountToken.upsert({
            where: { accountId_vendor: { accountId, vendor } },
            create: { accountId, vendor, token: sealed },
            update: { token: sealed },
        });
        return ok({ success: true as const });
    },
});
