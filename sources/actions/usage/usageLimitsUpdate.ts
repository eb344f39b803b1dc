import { defineAction, fail, ok } from '../action.ts';
import { usageLimitsPayload } from './usageLimitsSchemas.ts';

/**
 * Socket `update-usage-limits` (spec workers.md §1.11, HAP-751, Workers-only): the CLI's latest
 * view of its plan limits, one row per account, replaced by every report and stamped with the
 * server's time. Readable from any node (GET /v1/usage/limits); nothing is broadcast, as in the
 * Workers server. One statement: the `Account` join makes a vanished account a miss, not an
 * error.
 */
export const usageLimitsUpdate = defineAction({
    input: usageLimitsPayload,
    async run(deps, caller, limits) {
        const stored = await deps.db.sql.query(
            `INSERT INTO "AccountUsageLimits" ("accountId", "value", "lastUpdatedAt")
             SELECT "id", $2::jsonb, now() AT TIME ZONE 'UTC' FROM "Account" WHERE "id" = $1
             ON CONFLICT ("accountId") DO UPDATE SET "value" = EXCLUDED."value", "lastUpdatedAt" = EXCLUDED."lastUpdatedAt"
             RETURNING 1`,
            [caller.userId, JSON.stringify(limits)],
        );
        if (stored.length === 0) return fail('not-found', 'Account not found');
        return ok({ success: true as const });
    },
});
