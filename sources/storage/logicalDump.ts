import type { Writable } from 'node:stream';
import type { SqlClient } from './sqlClient.ts';

/**
 * A logical backup that restores into PGlite or Postgres alike: JSON lines, a header naming the
 * applied migrations, then one line per row (`row_to_json`, which Postgres reads back with
 * `json_populate_recordset`: bytea, timestamps, jsonb and enums round-trip exactly).
 *
 * Consistent while the server runs: every table is read in one REPEATABLE READ transaction, so
 * the dump is the database at one instant (on PGlite the transaction also holds the only
 * connection, so writes wait until the dump is written). pg_dump-wasm (@electric-sql/pglite-tools)
 * pins another PGlite version than ours and would share the server's session mid-transaction.
 */

export const DUMP_FORMAT = 'happy-server-dump';

interface DumpHeader {
    format: typeof DUMP_FORMAT;
    version: 1;
    createdAt: string;
    migrations: string[];
}

/** Rows are fetched through a cursor in batches of this many: memory stays flat on big tables. */
const BATCH = 500;
const MIGRATIONS_TABLE = '_prisma_migrations';

export class DumpError extends Error {}

/** A `write` for dumpDatabase that waits whenever `out`'s buffer is full. */
export function writerTo(out: Writable): (line: string) => Promise<void> | undefined {
    return (line) => (out.write(line) ? undefined : new Promise<void>((resolve) => out.once('drain', () => resolve())));
}

/** `write` may apply backpressure by returning a promise. */
export async function dumpDatabase(sql: SqlClient, write: (line: string) => unknown): Promise<{ rows: number }> {
    return sql.transaction(async (tx) => {
        await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const migrations = await tx.query<{ name: string }>(
            `SELECT migration_name AS name FROM "${MIGRATIONS_TABLE}" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
        );
        const header: DumpHeader = { format: DUMP_FORMAT, version: 1, createdAt: new Date().toISOString(), migrations: migrations.map((m) => m.name) };
        await write(`${JSON.stringify(header)}\n`);
        let rows = 0;
        for (const table of await tablesOf(tx)) {
            await tx.exec(`DECLARE happy_dump NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS r FROM ${quote(table)} t`);
            for (;;) {
                const batch = await tx.query<{ r: string }>(`FETCH ${BATCH} FROM happy_dump`);
                if (batch.length === 0) break;
                await write(batch.map((row) => `{"t":${JSON.stringify(table)},"r":${row.r}}\n`).join(''));
                rows += batch.length;
            }
            await tx.exec('CLOSE happy_dump');
        }
        // The last line: a dump cut short (a full disk, a server stopped mid-way) is refused.
        await write(`${JSON.stringify({ end: true, rows })}\n`);
        return { rows };
    });
}

/**
 * Loads a dump into a migrated, empty database in one transaction (all or nothing), parents
 * before children (foreign keys are checked as rows arrive). Takes an iterator, not an
 * iterable: readline drops the lines it reads before someone iterates, so the caller starts
 * iterating as it opens the file.
 */
export async function restoreDatabase(sql: SqlClient, iterator: AsyncIterator<string>): Promise<{ rows: number }> {
    return sql.transaction(async (tx) => {
        const first = await iterator.next();
        const header = parseLine(first.done ? '' : first.value, 1) as Partial<DumpHeader>;
        if (header.format !== DUMP_FORMAT || header.version !== 1) throw new DumpError('not a happy-server dump (bad header line)');
        const applied = new Set((await tx.query<{ name: string }>(`SELECT migration_name AS name FROM "${MIGRATIONS_TABLE}"`)).map((m) => m.name));
        const unknown = (header.migrations ?? []).filter((name) => !applied.has(name));
        if (unknown.length > 0) throw new DumpError(`the dump comes from a newer server (migrations unknown here: ${unknown.join(', ')})`);
        const tables = await tablesOf(tx);
        for (const table of tables) {
            const [row] = await tx.query(`SELECT 1 FROM ${quote(table)} LIMIT 1`);
            if (row) throw new DumpError(`the target database is not empty (table ${table} has rows); restore into a new one`);
        }

        // Rows are held per table until the file is read: the dump is table by table anyway, and
        // the order of tables in it need not be the order foreign keys need.
        const rowsByTable = new Map<string, unknown[]>();
        let lineNumber = 1;
        let ended = false;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
            lineNumber += 1;
            if (!next.value.trim()) continue;
            if (ended) throw new DumpError(`line ${lineNumber}: data after the end of the dump`);
            const { t, r, end } = parseLine(next.value, lineNumber) as { t?: unknown; r?: unknown; end?: unknown };
            if (end === true) {
                ended = true;
                continue;
            }
            if (typeof t !== 'string' || !tables.includes(t) || typeof r !== 'object' || r === null) {
                throw new DumpError(`line ${lineNumber}: not a row of a known table`);
            }
            const list = rowsByTable.get(t) ?? [];
            list.push(r);
            rowsByTable.set(t, list);
        }
        if (!ended) throw new DumpError('the dump is incomplete (no end line): take the backup again');
        let rows = 0;
        for (const table of await parentsFirst(tx, tables)) {
            const list = rowsByTable.get(table) ?? [];
            for (let start = 0; start < list.length; start += BATCH) {
                const batch = list.slice(start, start + BATCH);
                await tx.query(`INSERT INTO ${quote(table)} SELECT * FROM json_populate_recordset(NULL::${quote(table)}, $1::json)`, [
                    JSON.stringify(batch),
                ]);
                rows += batch.length;
            }
        }
        return { rows };
    });
}

function parseLine(line: string, lineNumber: number): unknown {
    try {
        return JSON.parse(line);
    } catch {
        throw new DumpError(`line ${lineNumber}: not JSON`);
    }
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The data tables of the current schema (the migration history is the target's own). */
async function tablesOf(sql: SqlClient): Promise<string[]> {
    const rows = await sql.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY table_name`,
        [MIGRATIONS_TABLE],
    );
    return rows.map((row) => row.name);
}

/** Tables ordered so that each comes after every table its foreign keys reference. */
async function parentsFirst(sql: SqlClient, tables: string[]): Promise<string[]> {
    const edges = await sql.query<{ child: string; parent: string }>(
        `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`,
    );
    const unquote = (name: string) => name.replace(/^"|"$/g, '').replaceAll('""', '"');
    const parents = new Map(tables.map((table) => [table, new Set<string>()]));
    for (const { child, parent } of edges) {
        if (unquote(child) !== unquote(parent)) parents.get(unquote(child))?.add(unquote(parent));
    }
    const ordered: string[] = [];
    const visit = (table: string, path: Set<string>) => {
        if (ordered.includes(table) || path.has(table)) return;
        path.add(table);
        for (const parent of parents.get(table) ?? []) visit(parent, path);
        ordered.push(table);
    };
    for (const table of tables) visit(table, new Set());
    return ordered;
}
