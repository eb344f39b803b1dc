import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { vendorTokenPath } from './vendorTokens.ts';

/** GET /v1/connect/tokens: every key of the caller in plain text, oldest first. */
export const vendorTokenList = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const rows = await deps.db.prisma.serviceAccountToken.findMany({
            where: { accountId: caller.userId },
            select: { vendor: true, token: true },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
        const tokens = await Promise.all(
            rows.map(async ({ vendor, token }) => ({ vendor, token: await deps.keyTree.decrypt(vendorTokenPath(caller.userId, vendor), token) })),
        );
        return ok({ tokens });
    },
});
