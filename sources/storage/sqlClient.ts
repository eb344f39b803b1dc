/**
 * The raw SQL seam under Prisma: the migrator needs multi-statement scripts and hot paths may
 * want plain SQL. One interface over PGlite and node-postgres keeps both callers driver-agnostic.
 */
export interface SqlClient {
    /**
     * `name` makes it a prepared statement, parsed and planned once per connection: for the
     * statements of hot paths, which are otherwise planned again on every call.
     */
    query<Row = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<Row[]>;
    /** Runs a script that may contain several statements (simple query protocol, no params). */
    exec(script: string): Promise<void>;
    transaction<T>(fn: (sql: SqlClient) => Promise<T>): Promise<T>;
}
