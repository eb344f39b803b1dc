import { z } from 'zod';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { clearGithubLink } from './githubAccount.ts';

/**
 * DELETE /v1/connect/github (spec rest.md §3.12): unlinks and forgets the GitHub user with its
 * token, then tells the account's user-scoped clients; without a link nothing happens and
 * nothing is announced. Failures carry upstream's message.
 */
export const githubUnlink = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const accountId = caller.userId;
        try {
            await inTx(deps.db.prisma, deps.log, async (scope) => {
                const [account] = await scope.tx.$queryRaw<Array<{ githubUserId: string | null }>>`
                    SELECT "githubUserId" FROM "Account" WHERE "id" = ${accountId} FOR UPDATE`;
                if (!account?.githubUserId) return;
                await clearGithubLink(scope, deps, accountId);
                await scope.tx.githubUser.delete({ where: { id: account.githubUserId } });
            }, { isolation: 'ReadCommitted' });
        } catch (error) {
            deps.log.error({ err: error }, 'GitHub disconnect failed');
            return fail('unavailable', 'Failed to disconnect GitHub account');
        }
        return ok({ success: true as const });
    },
});
