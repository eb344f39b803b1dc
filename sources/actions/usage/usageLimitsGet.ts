import { z } from 'zod';
import { isDatabaseUnavailable } from '../../storage/unavailable.ts';
import { defineAction, ok } from '../action.ts';
import { noUsageLimits, usageLimitsPayload, usageLimitsView } from './usageLimitsSchemas.ts';

interface Row {
    value: unknown;
    ms: number;
}

/**
 * GET /v1/usage/limits (spec workers.md §2.4): the limits the account's CLI last reported
 * (`update-usage-limits`) with `lastUpdatedAt` in epoch ms, or `{limitsAvailable:false,
 * weeklyLimits:[], lastUpdatedAt:now}` when there are none. Like the Workers route it never
 * answers 500: a row that no longer passes the schema, or a failed read, is "no data". The one
 * exception is a database outage, which propagates and is answered 503 with Retry-After like
 * every other route (errorHandler.ts): a client that retries then gets the real answer, where
 * the Workers fallback would have told it "no limits" as if that were true.
 */
export const usageLimitsGet = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        let rows: Row[];
        try {
            rows = await deps.db.sql.query<Row>(
                `SELECT "value", (EXTRACT(EPOCH FROM "lastUpdatedAt" AT TIME ZONE 'UTC') * 1000)::float8 AS "ms"
                 FROM "AccountUsageLimits" WHERE "accountId" = $1`,
                [caller.userId],
            );
        } catch (error) {
            if (isDatabaseUnavailable(error)) throw error;
            deps.log.error({ err: error, userId: caller.userId }, 'reading usage limits failed');
            return ok(noUsageLimits(Date.now()));
        }
        const [row] = rows;
        const limits = row && usageLimitsPayload.safeParse(row.value);
        if (!row || !limits?.success) return ok(noUsageLimits(Date.now()));
        return ok(usageLimitsView(limits.data, Math.round(Number(row.ms))));
    },
});
