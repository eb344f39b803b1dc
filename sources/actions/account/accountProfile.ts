import { z } from 'zod';
import { imageView } from '../../files/imageRef.ts';
import { defineAction, fail, ok } from '../action.ts';

/**
 * GET /v1/account/profile (spec rest.md §3.9): every key always present, in upstream's order.
 * `github` is the GitHub `/user` object stored when the account was linked; `connectedServices`
 * the vendors the caller stored a token for, oldest first. A token whose account is gone gets a
 * 404 (upstream: a 500).
 */
export const accountProfile = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const prisma = deps.db.prisma;
        const [account, services] = await Promise.all([
            prisma.account.findUnique({
                where: { id: caller.userId },
                select: { firstName: true, lastName: true, username: true, avatar: true, githubUser: { select: { profile: true } } },
            }),
            prisma.serviceAccountToken.findMany({
                where: { accountId: caller.userId },
                select: { vendor: true },
                orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            }),
        ]);
        if (!account) return fail('not-found', 'Account not found');
        return ok({
            id: caller.userId,
            timestamp: Date.now(),
            firstName: account.firstName,
            lastName: account.lastName,
            username: account.username,
            avatar: imageView(deps.config, account.avatar),
            github: account.githubUser?.profile ?? null,
            connectedServices: [...new Set(services.map((s) => s.vendor))],
        });
    },
});
