import { z } from 'zod';
import { newId } from '../../storage/ids.ts';
import { defineAction, fail, ok } from '../action.ts';
import { pushToken } from './pushTokenSchemas.ts';

/**
 * POST /v1/push-tokens (spec rest.md §3.4): the app registers its device on every start. One
 * INSERT ... ON CONFLICT, so concurrent registrations of one token neither fail on the unique key
 * (a read-then-write upsert can) nor create two rows; a known token only gets `updatedAt`.
 */
export const pushTokenRegister = defineAction({
    input: z.object({ token: pushToken }),
    async run(deps, caller, { token }) {
        // Selecting the account turns a token of a vanished account into a 404 instead of a
        // foreign-key 500.
        const written = await deps.db.prisma.$executeRaw`
            INSERT INTO "AccountPushToken" ("id", "accountId", "token", "updatedAt")
            SELECT ${newId()}, "id", ${token}, now() FROM "Account" WHERE "id" = ${caller.userId}
            ON CONFLICT ("accountId", "token") DO UPDATE SET "updatedAt" = now()`;
        if (written === 0) return fail('not-found', 'Account not found');
        return ok({ success: true });
    },
});
