import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client.ts';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession } from '../session/sessionViews.ts';
import { epochSeconds, optionalSessionId } from './usageSchemas.ts';

interface BucketRow {
    timestamp: number;
    tokens: Record<string, number>;
    cost: Record<string, number>;
    reportCount: number;
}

/**
 * POST /v1/usage/query (spec rest.md §3.9): the caller's usage reports summed per hour or day,
 * in epoch seconds both ways. Every numeric entry of `tokens` and `cost` is summed per key.
 *
 * Unlike upstream, buckets are UTC hours and days (upstream truncated in the server's local
 * zone, so the answer depended on where the server ran), and the sums are computed in SQL
 * (upstream loaded every report into memory).
 */
export const usageQuery = defineAction({
    input: z.object({
        sessionId: optionalSessionId,
        startTime: epochSeconds.nullish(),
        endTime: epochSeconds.nullish(),
        groupBy: z.enum(['hour', 'day']).nullish(),
    }),
    async run(deps, caller, { sessionId, startTime, endTime, groupBy }) {
        const prisma = deps.db.prisma;
        if (sessionId !== null && !(await ownsSession(prisma, caller.userId, sessionId))) {
            return fail('not-found', 'Session not found');
        }
        const unit = groupBy ?? 'day';
        const filters = [
            Prisma.sql`"accountId" = ${caller.userId}`,
            ...(sessionId !== null ? [Prisma.sql`"sessionId" = ${sessionId}`] : []),
            ...(startTime != null ? [Prisma.sql`"createdAt" >= ${new Date(startTime * 1000)}`] : []),
            ...(endTime != null ? [Prisma.sql`"createdAt" <= ${new Date(endTime * 1000)}`] : []),
        ];
        // Stored timestamps are UTC (TIMESTAMP without zone), so truncating them truncates in UTC.
        const usage = await prisma.$queryRaw<BucketRow[]>`
            WITH reports AS (
                SELECT date_trunc(${unit}, "createdAt") AS "bucket", "data"
                FROM "UsageReport" WHERE ${Prisma.join(filters, ' AND ')}
            ),
            counts AS (
                SELECT "bucket", count(*)::int AS "reportCount" FROM reports GROUP BY "bucket"
            ),
            sums AS (
                SELECT r."bucket", part."name", entry."key", sum(entry."value"::numeric) AS "total"
                FROM reports r
                CROSS JOIN LATERAL (VALUES ('tokens', r."data"->'tokens'), ('cost', r."data"->'cost')) AS part("name", "map")
                CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(part."map") = 'object' THEN part."map" ELSE '{}'::jsonb END) AS entry
                WHERE jsonb_typeof(entry."value") = 'number'
                GROUP BY r."bucket", part."name", entry."key"
            )
            SELECT
                extract(epoch FROM c."bucket")::float8 AS "timestamp",
                coalesce(jsonb_object_agg(s."key", s."total") FILTER (WHERE s."name" = 'tokens'), '{}'::jsonb) AS "tokens",
                coalesce(jsonb_object_agg(s."key", s."total") FILTER (WHERE s."name" = 'cost'), '{}'::jsonb) AS "cost",
                c."reportCount"
            FROM counts c LEFT JOIN sums s ON s."bucket" = c."bucket"
            GROUP BY c."bucket", c."reportCount"
            ORDER BY c."bucket"`;
        const totalReports = usage.reduce((total, bucket) => total + bucket.reportCount, 0);
        return ok({ usage, groupBy: unit, totalReports });
    },
});
