import { z } from 'zod';
import type { Deps } from '../../deps.ts';
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
        const profile = await loadProfile(deps, caller.userId);
        return profile ? ok(profile) : fail('not-found', 'Account not found');
    },
});

/** The profile object of GET /v1/account/profile, also returned by PUT /v1/account; null without the account. */
export async function loadProfile(deps: Pick<Deps, 'db' | 'config'>, userId: string) {
    const prisma = deps.db.prisma;
    const [account, services] = await Promise.all([
        prisma.account.findUnique({
            where: { id: userId },
            select: { firstName: true, lastName: true, username: true, avatar: true, githubUser: { select: { profile: true } } },
        }),
        prisma.serviceAccountToken.findMany({
            where: { accountId: userId },
            select: { vendor: true },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        }),
    ]);
    if (!account) return null;
    return {
        id: userId,
        timestamp: Date.now(),
        firstName: account.firstName,
        lastName: account.lastName,
        username: account.username,
        avatar: imageView(deps.config, account.avatar),
        github: account.githubUser?.profile ?? null,
        connectedServices: [...new Set(services.map((s) => s.vendor))],
    };
}
