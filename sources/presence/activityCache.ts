import { LRUCache } from 'lru-cache';
import type { SessionStops } from '../cluster/sessionStops.ts';
import type { Logger } from '../monitoring/log.ts';
import type { Metrics } from '../monitoring/metrics.ts';
import { Prisma as PrismaNs } from '../generated/prisma/client.ts';
import type { Prisma } from '../storage/db.ts';

type Sql = PrismaNs.Sql;
const SESSION_TABLE = PrismaNs.raw('"Session"');
const MACHINE_TABLE = PrismaNs.raw('"Machine"');

/** Ownership checks are cached this long: heartbeats arrive every 2-20 s per client. */
const VALIDATION_TTL_MS = 30_000;
/** lastActiveAt is persisted only when it moves forward by more than this. */
const WRITE_THRESHOLD_MS = 30_000;
const FLUSH_INTERVAL_MS = 5_000;
/** Heartbeats older than this are dropped; newer than now are clamped (spec realtime.md §7). */
const MAX_HEARTBEAT_AGE_MS = 10 * 60_000;

interface Entry {
    kind: 'session' | 'machine';
    userId: string;
    id: string;
    /** Last lastActiveAt persisted (or read from the row). */
    written: number;
    active: boolean;
    pending: number | null;
}

/** Clamps a client heartbeat time; null means "too old, drop it". */
export function clampHeartbeat(time: number, now = Date.now()): number | null {
    if (time > now) return now;
    return time < now - MAX_HEARTBEAT_AGE_MS ? null : time;
}

/**
 * Presence heartbeats (spec realtime.md §9): validates that the session or machine belongs to
 * the caller (cached), and turns a stream of heartbeats into at most one write per ~30 s per
 * object, flushed in one statement per table every 5 s. Unlike upstream, a pending write
 * survives revalidation, time never moves backwards, writes are scoped to the owner, and the
 * final flush on shutdown is awaited.
 */
export class ActivityCache {
    private readonly entries = new LRUCache<string, Entry>({ max: 200_000, ttl: VALIDATION_TTL_MS, noUpdateTTL: true });
    private readonly pending = new Map<string, Entry>();
    private readonly timer: NodeJS.Timeout;
    private flushing: Promise<void> = Promise.resolve();

    constructor(
        private readonly prisma: Prisma,
        private readonly stops: SessionStops,
        private readonly log: Logger,
        private readonly metrics?: Pick<Metrics, 'sessionCacheOperations' | 'databaseUpdatesSkipped' | 'presenceFlushRows'>,
    ) {
        this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
        this.timer.unref();
    }

    /** True when the heartbeat was accepted (the caller then announces it). */
    async sessionHeartbeat(userId: string, sessionId: string, time: number): Promise<boolean> {
        if (await this.stops.isStopped(sessionId)) {
            this.metrics?.sessionCacheOperations.inc({ operation: 'session_validation', result: 'stopped' });
            return false;
        }
        const entry = await this.lookup('session', userId, sessionId);
        if (!entry) return false;
        this.queue(entry, time);
        return true;
    }

    async machineHeartbeat(userId: string, machineId: string, time: number): Promise<boolean> {
        const entry = await this.lookup('machine', userId, machineId);
        if (!entry) return false;
        this.queue(entry, time);
        return true;
    }

    /** Archive, delete, session-end: drop queued writes and ignore heartbeats for a while. */
    async stopSession(sessionId: string): Promise<void> {
        this.forget('session', sessionId);
        await this.stops.stop(sessionId);
    }

    /** A deleted machine: its cached ownership must not keep accepting heartbeats. */
    forgetMachine(machineId: string): void {
        this.forget('machine', machineId);
    }

    resumeSession(sessionId: string): Promise<void> {
        return this.stops.resume(sessionId);
    }

    /** Writes every queued heartbeat; flushes never overlap. */
    flush(): Promise<void> {
        this.flushing = this.flushing.then(() => this.writePending()).catch((error) => {
            this.log.warn({ err: error }, 'presence flush failed');
        });
        return this.flushing;
    }

    async close(): Promise<void> {
        clearInterval(this.timer);
        await this.flush();
    }

    private forget(kind: Entry['kind'], id: string): void {
        for (const [key, entry] of this.pending) if (entry.kind === kind && entry.id === id) this.pending.delete(key);
        for (const [key, entry] of this.entries.entries()) if (entry.kind === kind && entry.id === id) this.entries.delete(key);
    }

    private async lookup(kind: Entry['kind'], userId: string, id: string): Promise<Entry | null> {
        const key = `${kind}:${userId}:${id}`;
        const cached = this.entries.get(key) ?? this.pending.get(key);
        const operation = `${kind}_validation`;
        this.metrics?.sessionCacheOperations.inc({ operation, result: cached ? 'hit' : 'miss' });
        if (cached) return cached;
        const row =
            kind === 'session'
                ? await this.prisma.session.findFirst({ where: { id, accountId: userId }, select: { lastActiveAt: true, active: true } })
                : await this.prisma.machine.findFirst({ where: { id, accountId: userId }, select: { lastActiveAt: true, active: true } });
        if (!row) return null;
        // A stop may have landed while the row was read; caching now would let this beat through.
        // Only a miss needs this second look: stopSession drops cached entries.
        if (kind === 'session' && (await this.stops.isStopped(id))) return null;
        const entry: Entry = { kind, userId, id, written: row.lastActiveAt.getTime(), active: row.active, pending: null };
        this.entries.set(key, entry);
        return entry;
    }

    private queue(entry: Entry, time: number): void {
        const latest = Math.max(entry.pending ?? 0, time);
        if (entry.active && latest <= entry.written + WRITE_THRESHOLD_MS) {
            this.metrics?.databaseUpdatesSkipped.inc({ type: entry.kind });
            return;
        }
        entry.pending = latest;
        this.pending.set(`${entry.kind}:${entry.userId}:${entry.id}`, entry);
    }

    private async writePending(): Promise<void> {
        if (this.pending.size === 0) return;
        const batch = [...this.pending.values()];
        this.pending.clear();
        const sessions = batch.filter((e) => e.kind === 'session');
        const machines = batch.filter((e) => e.kind === 'machine');
        for (const entry of batch) {
            entry.written = entry.pending ?? entry.written;
            entry.active = true;
            entry.pending = null;
        }
        if (sessions.length > 0) await this.writeSessions(sessions);
        if (machines.length > 0) await this.writeMachines(machines);
    }

    private async writeSessions(entries: Entry[]): Promise<void> {
        const live: Entry[] = [];
        for (const entry of entries) if (!(await this.stops.isStopped(entry.id))) live.push(entry);
        await this.writeActivity(SESSION_TABLE, live);
    }

    private writeMachines(entries: Entry[]): Promise<void> {
        return this.writeActivity(MACHINE_TABLE, entries);
    }

    /** One statement per table; GREATEST keeps lastActiveAt from moving backwards. */
    private async writeActivity(table: Sql, entries: Entry[]): Promise<void> {
        if (entries.length === 0) return;
        this.metrics?.presenceFlushRows.observe({ type: entries[0]!.kind }, entries.length);
        await this.prisma.$executeRaw`
            UPDATE ${table} AS o
            SET "lastActiveAt" = GREATEST(o."lastActiveAt", v.t), "active" = true, "updatedAt" = now()
            FROM (SELECT unnest(${entries.map((e) => e.id)}::text[]) AS id,
                         unnest(${entries.map((e) => e.userId)}::text[]) AS account,
                         to_timestamp(unnest(${entries.map((e) => e.written / 1000)}::float8[])) AT TIME ZONE 'UTC' AS t) AS v
            WHERE o."id" = v.id AND o."accountId" = v.account`;
    }
}
