import { z } from 'zod';
import { MAX_DATE_MS, storableString } from '../schemas.ts';

/**
 * The plan usage limits a CLI pushes with `update-usage-limits` and the app reads from
 * GET /v1/usage/limits (spec workers.md §1.11, §2.4; `@happy/protocol`'s PlanLimitsResponse).
 * The Workers server checked two fields by hand and stored the rest as sent; here every field
 * is typed and bounded, unknown keys are dropped, and `null` for an optional field is stored as
 * absent (the app's schema takes `sessionLimit`, `description` and `provider` as optional, not
 * nullable).
 */

/** Far more than a provider reports (a handful); bounds the stored row and the reply. */
export const MAX_WEEKLY_LIMITS = 50;

const text = (min: number, max: number) => storableString(z.string().min(min).max(max));
const absentIfNull = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const usageLimitSchema = z.object({
    id: text(1, 256),
    label: text(1, 256),
    percentageUsed: z.number().min(0).max(100),
    /** Epoch milliseconds of the next reset; null when the limit does not reset. */
    resetsAt: z.number().min(0).max(MAX_DATE_MS).nullable(),
    resetDisplayType: z.enum(['countdown', 'datetime']),
    description: absentIfNull(text(0, 2048)),
});

export const usageLimitsPayload = z.object({
    sessionLimit: absentIfNull(usageLimitSchema),
    weeklyLimits: z.array(usageLimitSchema).max(MAX_WEEKLY_LIMITS),
    limitsAvailable: z.boolean(),
    provider: absentIfNull(text(0, 256)),
});

export type UsageLimits = z.output<typeof usageLimitsPayload>;

/** GET /v1/usage/limits: the stored payload plus when it was stored (epoch ms), in the protocol's key order. */
export interface UsageLimitsView {
    sessionLimit?: UsageLimits['sessionLimit'];
    weeklyLimits: UsageLimits['weeklyLimits'];
    lastUpdatedAt: number;
    limitsAvailable: boolean;
    provider?: string;
}

export function usageLimitsView(limits: UsageLimits, lastUpdatedAt: number): UsageLimitsView {
    return {
        ...(limits.sessionLimit && { sessionLimit: limits.sessionLimit }),
        weeklyLimits: limits.weeklyLimits,
        lastUpdatedAt,
        limitsAvailable: limits.limitsAvailable,
        ...(limits.provider !== undefined && { provider: limits.provider }),
    };
}

/** What an account that never reported (or whose row cannot be read) gets: the Workers answer. */
export const noUsageLimits = (now: number): UsageLimitsView => ({ weeklyLimits: [], lastUpdatedAt: now, limitsAvailable: false });

/**
 * The ack error for a refused payload. The Workers server's two messages are kept for its two
 * checks (limitsAvailable first, as it checked); anything else names the first failing field.
 */
export function usageLimitsInvalidMessage(error: z.ZodError): string {
    const issues = error.issues;
    if (issues.some((issue) => issue.path.length === 0)) return 'Invalid payload: must be an object';
    if (issues.some((issue) => issue.path[0] === 'limitsAvailable')) return 'Invalid payload: limitsAvailable must be boolean';
    if (issues.some((issue) => issue.path.length === 1 && issue.path[0] === 'weeklyLimits' && issue.code === 'invalid_type')) {
        return 'Invalid payload: weeklyLimits must be array';
    }
    const [first] = issues;
    return `Invalid payload: ${first!.path.join('.')}: ${first!.message}`;
}
