import type { SqlClient } from './sqlClient.ts';

/**
 * Compare-and-set of one encrypted, versioned field, together with the account's update seq, in
 * one statement: one round trip and one commit through the driver (the CLI writes session state
 * on every tool call; as a Prisma interactive transaction this was four round trips and about
 * 2 ms of CPU). The session (or machine) row is written first, then the account row, the order
 * every writer takes them in; a row that does not match the expected version writes nothing and
 * takes no seq.
 */

/** The versioned fields: fixed identifiers, never input. */
const FIELDS = {
    'session.metadata': { table: '"Session"', value: '"metadata"', version: '"metadataVersion"', alsoSet: '' },
    'session.agentState': { table: '"Session"', value: '"agentState"', version: '"agentStateVersion"', alsoSet: '' },
    'machine.metadata': { table: '"Machine"', value: '"metadata"', version: '"metadataVersion"', alsoSet: '' },
    // The daemon reports its state when it (re)connects, so a state write is also proof of life.
    'machine.daemonState': {
        table: '"Machine"',
        value: '"daemonState"',
        version: '"daemonStateVersion"',
        alsoSet: ', "active" = true, "lastActiveAt" = now()',
    },
} as const;

export type VersionedField = keyof typeof FIELDS;

export interface VersionedWrite {
    field: VersionedField;
    id: string;
    accountId: string;
    value: string | null;
    expectedVersion: number;
}

/** The new version and the update seq taken for it, or null when nothing was written. */
export async function writeVersioned(sql: SqlClient, write: VersionedWrite): Promise<{ version: number; seq: number } | null> {
    const { table, value, version, alsoSet } = FIELDS[write.field];
    const [row] = await sql.query<{ version: number; seq: number }>(
        `WITH written AS (
            UPDATE ${table} SET ${value} = $1, ${version} = ${version} + 1, "updatedAt" = now()${alsoSet}
            WHERE "id" = $2 AND "accountId" = $3 AND ${version} = $4
            RETURNING ${version} AS "version"
        ), taken AS (
            UPDATE "Account" SET "seq" = "seq" + 1, "updatedAt" = now()
            WHERE "id" = $3 AND EXISTS (SELECT 1 FROM written)
            RETURNING "seq"
        )
        SELECT written."version", taken."seq" FROM written, taken`,
        [write.value, write.id, write.accountId, write.expectedVersion],
        `happy-write-${write.field}`,
    );
    return row ?? null;
}

/** The field's current value and version, or null when the row is not the account's. */
export async function readVersioned(
    sql: SqlClient,
    field: VersionedField,
    id: string,
    accountId: string,
): Promise<{ value: string | null; version: number } | null> {
    const { table, value, version } = FIELDS[field];
    const [row] = await sql.query<{ value: string | null; version: number }>(
        `SELECT ${value} AS "value", ${version} AS "version" FROM ${table} WHERE "id" = $1 AND "accountId" = $2`,
        [id, accountId],
        `happy-read-${field}`,
    );
    return row ?? null;
}
