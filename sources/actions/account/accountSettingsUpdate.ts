import { z } from 'zod';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { expectedVersion, storableString } from '../schemas.ts';

/** The app's encrypted settings document: a few kilobytes in practice. */
export const SETTINGS_MAX_CHARS = 1_000_000;

const ACCOUNT_NOT_FOUND = 'Account not found';

type SettingsReply =
    | { success: true; version: number }
    | { success: false; error: 'version-mismatch'; currentVersion: number; currentSettings: string | null };

/**
 * POST /v1/account/settings (spec rest.md §3.9): a versioned replace. The compare-and-set is one
 * conditional UPDATE; when it matches nothing, a re-read in the same read-committed transaction
 * answers with the value that beat the caller (upstream pre-read, then wrote unconditionally).
 * Either way a mismatch is a 200 with the current value, which the app adopts and merges.
 */
export const accountSettingsUpdate = defineAction({
    input: z.object({
        settings: storableString(z.string().max(SETTINGS_MAX_CHARS)).nullable(),
        expectedVersion,
    }),
    async run(deps, caller, { settings, expectedVersion }) {
        const userId = caller.userId;
        return inTx(deps.db.prisma, deps.log, async (scope) => {
            const { tx } = scope;
            const { count } = await tx.account.updateMany({
                where: { id: userId, settingsVersion: expectedVersion },
                data: { settings, settingsVersion: expectedVersion + 1 },
            });
            if (count === 0) {
                const current = await tx.account.findUnique({
                    where: { id: userId },
                    select: { settings: true, settingsVersion: true },
                });
                if (!current) return fail('not-found', ACCOUNT_NOT_FOUND, { success: false, error: ACCOUNT_NOT_FOUND });
                return ok<SettingsReply>({
                    success: false,
                    error: 'version-mismatch',
                    currentVersion: current.settingsVersion,
                    currentSettings: current.settings,
                });
            }
            const version = expectedVersion + 1;
            await queueUpdate(scope, deps.events, {
                userId,
                filter: { type: 'user-scoped-only' },
                body: { t: 'update-account', id: userId, settings: { value: settings, version } },
            });
            return ok<SettingsReply>({ success: true, version });
        }, { isolation: 'ReadCommitted' });
    },
});
