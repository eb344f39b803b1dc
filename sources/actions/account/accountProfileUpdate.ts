import { z } from 'zod';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { loadProfile } from './accountProfile.ts';

const name = storableString(z.string().max(100)).nullable();

export const accountProfileUpdateBody = z.object({
    firstName: name.optional(),
    lastName: name.optional(),
    // A handle others search for: no whitespace, at most what GitHub logins (the other source of usernames) allow, and some.
    username: storableString(z.string().min(1).max(64).regex(/^\S+$/, 'Username must not contain whitespace')).optional(),
});

const ACCOUNT_NOT_FOUND = 'Account not found';
const USERNAME_TAKEN = { success: false, error: 'username-taken' } as const;

/**
 * PUT /v1/account (spec workers.md §2.4): changes the caller's names and username, answering
 * `{success, profile}` with the profile of GET /v1/account. A username another account holds is a
 * 409 `username-taken`, also when two accounts race for it (the unique index decides; the Workers
 * server checked first and let the race through). Unlike the Workers server, the apps of the
 * account hear of the change: one `update-account` with the changed keys, after commit.
 */
export const accountProfileUpdate = defineAction({
    input: accountProfileUpdateBody,
    // Keys the body leaves out are absent from `given`, so they are neither written nor announced.
    async run(deps, caller, given) {
        const userId = caller.userId;
        if (Object.keys(given).length > 0) {
            const outcome = await inTx(deps.db.prisma, deps.log, async (scope) => {
                const { tx } = scope;
                if (given.username && (await tx.account.findFirst({ where: { username: given.username, NOT: { id: userId } }, select: { id: true } }))) {
                    return 'taken' as const;
                }
                const { count } = await tx.account.updateMany({ where: { id: userId }, data: given });
                if (count === 0) return 'missing' as const;
                await queueUpdate(scope, deps.events, { userId, filter: { type: 'user-scoped-only' }, body: { t: 'update-account', id: userId, ...given } });
                return 'written' as const;
            }, { isolation: 'ReadCommitted' }).catch((error: unknown) => {
                if (isUniqueViolation(error)) return 'taken' as const;
                throw error;
            });
            if (outcome === 'taken') return fail('conflict', USERNAME_TAKEN.error, USERNAME_TAKEN);
            if (outcome === 'missing') return fail('not-found', ACCOUNT_NOT_FOUND);
        }
        const profile = await loadProfile(deps, userId);
        if (!profile) return fail('not-found', ACCOUNT_NOT_FOUND);
        return ok({ success: true, profile });
    },
});

/** Prisma's code for a unique constraint violation (the username index, in a race). */
function isUniqueViolation(error: unknown): boolean {
    return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
