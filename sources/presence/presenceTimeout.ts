import type { SweepLease } from '../cluster/sweepLease.ts';
import type { EventRouter } from '../events/eventRouter.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { Logger } from '../monitoring/log.ts';
import type { Prisma as PrismaClient } from '../storage/db.ts';

/** A session or machine silent this long is marked inactive (spec realtime.md §9.6). */
export const INACTIVITY_TIMEOUT_MS = 10 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;
/**
 * The sweeping node renews its lease every tick; if it dies, another takes over within this.
 * Three ticks: one slow sweep or a missed timer does not hand the job over needlessly.
 */
const LEASE_TTL_MS = 3 * SWEEP_INTERVAL_MS;
/** Rows flipped per statement: a backlog is worked off over several sweeps, not in one huge update. */
const SWEEP_BATCH = 1_000;

interface TimedOut {
    id: string;
    accountId: string;
    lastActiveAt: Date;
}

/**
 * Flips timed-out sessions and machines to inactive and tells their owners' apps. The
 * `active = true` guard inside one UPDATE ... RETURNING makes each transition happen, and be
 * announced, exactly once even when several sweeps (or nodes) run at the same time.
 */
export async function sweepInactive(prisma: PrismaClient, events: EventRouter, now = Date.now()): Promise<number> {
    const cutoff = new Date(now - INACTIVITY_TIMEOUT_MS);
    const sessions = await flipInactive(prisma, Prisma.raw('"Session"'), cutoff);
    for (const row of sessions) {
        events.emitEphemeral({
            userId: row.accountId,
            filter: { type: 'user-scoped-only' },
            payload: { type: 'activity', id: row.id, active: false, activeAt: row.lastActiveAt.getTime(), thinking: false },
        });
    }
    const machines = await flipInactive(prisma, Prisma.raw('"Machine"'), cutoff);
    for (const row of machines) {
        events.emitEphemeral({
            userId: row.accountId,
            filter: { type: 'user-scoped-only' },
            payload: { type: 'machine-activity', id: row.id, active: false, activeAt: row.lastActiveAt.getTime() },
        });
    }
    return sessions.length + machines.length;
}

function flipInactive(prisma: PrismaClient, table: Prisma.Sql, cutoff: Date): Promise<TimedOut[]> {
    return prisma.$queryRaw<TimedOut[]>`
        UPDATE ${table} SET "active" = false, "updatedAt" = now()
        WHERE "id" IN (SELECT "id" FROM ${table} WHERE "active" AND "lastActiveAt" <= ${cutoff} LIMIT ${SWEEP_BATCH})
          AND "active"
        RETURNING "id", "accountId", "lastActiveAt"`;
}

export interface PresenceTimeout {
    /** One pass: rows flipped, or null when another node holds the lease. */
    tick(now?: number): Promise<number | null>;
    /** Stops the loop and hands the lease over. */
    stop(): Promise<void>;
}

/**
 * Runs the sweep every minute on the one node holding the lease (any node, if Redis is away:
 * see createRedisSweepLease); failures are logged and retried next time.
 */
export function startPresenceTimeout(
    prisma: PrismaClient,
    events: EventRouter,
    lease: SweepLease,
    log: Logger,
): PresenceTimeout {
    const tick = async (now = Date.now()) => ((await lease.hold(LEASE_TTL_MS)) ? sweepInactive(prisma, events, now) : null);
    const timer = setInterval(() => {
        tick().catch((error) => log.warn({ err: error }, 'presence timeout sweep failed'));
    }, SWEEP_INTERVAL_MS);
    timer.unref();
    return {
        tick,
        async stop() {
            clearInterval(timer);
            await lease.release();
        },
    };
}
