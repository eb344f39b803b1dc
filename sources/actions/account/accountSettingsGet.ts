import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';

/** GET /v1/account/settings (spec rest.md §3.9): the encrypted blob and its version. */
export const accountSettingsGet = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const account = await deps.db.prisma.account.findUnique({
            where: { id: caller.userId },
            select: { settings: true, settingsVersion: true },
        });
        if (!account) return fail('not-found', 'Account not found');
        return ok({ settings: account.settings, settingsVersion: account.settingsVersion });
    },
});
