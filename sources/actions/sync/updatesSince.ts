import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { int4 } from '../schemas.ts';

/** Compared with the rows' INTEGER seq columns: a larger number could only fail the query. */
const position = int4(0);

/** One changed row, as the Workers delta sync reports it: the update body it would have broadcast. */
interface ChangedRow {
    type: 'update-session' | 'update-machine' | 'update-artifact';
    data: Record<string, unknown>;
    seq: number;
    createdAt: number;
}

/** The Workers limits per kind. */
const LIMITS = { sessions: 100, machines: 50, artifacts: 100 };

/**
 * Socket `request-updates-since` (spec workers.md §1.11, HAP-441): the sessions, machines and
 * artifacts whose own `seq` is above the given positions, as update bodies, oldest first. The
 * Workers semantics are kept (each number is compared with the rows' own seq, as its app
 * sends them), with corrections: artifact bytes are base64 as in every other artifact payload;
 * an inactive session is reported as updated, not deleted, since sessions here end without
 * being removed (a deleted session has no row left: `deletedSessions` stays 0); and every
 * machine is reported (up to 50, latest first), since the Node schema never advances a
 * machine's seq. A session's seq counts its messages only, so a metadata change without a new
 * message is not seen here (it reached the open sockets as an `update-session`).
 */
export const updatesSince = defineAction({
    // `machines` is validated for the Workers contract, though every machine is reported.
    input: z.object({ sessions: position, machines: position, artifacts: position }),
    async run(deps, caller, since) {
        const accountId = caller.userId;
        const byOwnSeq = (after: number, take: number) => ({ where: { accountId, seq: { gt: after } }, orderBy: { seq: 'asc' as const }, take });
        const [sessions, machines, artifacts] = await Promise.all([
            deps.db.prisma.session.findMany(byOwnSeq(since.sessions, LIMITS.sessions)),
            deps.db.prisma.machine.findMany({ where: { accountId }, orderBy: { updatedAt: 'desc' }, take: LIMITS.machines }),
            deps.db.prisma.artifact.findMany(byOwnSeq(since.artifacts, LIMITS.artifacts)),
        ]);
        const row = (type: ChangedRow['type'], seq: number, updatedAt: Date, data: Record<string, unknown>): ChangedRow => ({
            type,
            data: { t: type, ...data },
            seq,
            createdAt: updatedAt.getTime(),
        });
        const updates = [
            ...sessions.map((s) =>
                row('update-session', s.seq, s.updatedAt, {
                    id: s.id,
                    sid: s.id,
                    metadata: { value: s.metadata, version: s.metadataVersion },
                    agentState: { value: s.agentState, version: s.agentStateVersion },
                }),
            ),
            ...machines.map((m) =>
                row('update-machine', m.seq, m.updatedAt, {
                    machineId: m.id,
                    active: m.active,
                    activeAt: m.lastActiveAt.getTime(),
                    metadata: { value: m.metadata, version: m.metadataVersion },
                    ...(m.daemonState !== null && { daemonState: { value: m.daemonState, version: m.daemonStateVersion } }),
                }),
            ),
            ...artifacts.map((a) =>
                row('update-artifact', a.seq, a.updatedAt, {
                    artifactId: a.id,
                    header: { value: Buffer.from(a.header).toString('base64'), version: a.headerVersion },
                    body: { value: Buffer.from(a.body).toString('base64'), version: a.bodyVersion },
                }),
            ),
        ];
        return ok({
            success: true,
            updates,
            counts: { sessions: sessions.length, deletedSessions: 0, machines: machines.length, artifacts: artifacts.length },
        });
    },
});
