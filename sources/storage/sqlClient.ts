/**
 * The raw SQL seam under Prisma: the migrator needs multi-statement scripts and hot paths may
 * want plain SQL. One interface over PGlite and node-postgres keeps both callers driver-agnostic.
 */
export interface SqlClient {
    query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
    /** Runs a script that may contain several statements (simple query protocol, no params). */
    exec(script: string): Promise<void>;
    transaction<T>(fn: (sql: SqlClient) => Promise<T>): Promise<T>;
}
