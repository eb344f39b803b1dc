import type pg from 'pg';

/** node-postgres's error for a statement that outlived `query_timeout` (unavailable.ts knows it). */
const READ_TIMEOUT = 'Query read timeout';

/** setTimeout's largest delay (~24.8 days): how a statement asks for no deadline (db.ts `longSql`). */
export const NO_DEADLINE_MS = 2 ** 31 - 1;

type Callback = (error: Error | null, result?: unknown) => void;

/**
 * node-postgres's Client for a pool with `query_timeout`: a statement that outlives it takes its
 * connection down with it. pg alone only fails the caller: the statement stays on the wire and
 * the connection busy with an answer that may never come (a database that stopped answering),
 * and it goes back to the pool (a transaction releases it without an error), where every later
 * statement would queue behind it. Closed, it fails what queued there too, and the pool drops it.
 */
export function deadlineClient(Client: typeof pg.Client): typeof pg.Client {
    class DeadlineClient extends Client {
        constructor(config?: pg.ClientConfig) {
            super(config);
            // A checked-out connection that breaks fails its statements; the error event it also
            // emits has no listener of the pool then, and would be thrown.
            this.on('error', () => {});
        }
    }
    const query = Client.prototype.query as (this: pg.Client, config: unknown, values?: unknown, callback?: Callback) => unknown;
    DeadlineClient.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: Callback): unknown {
        // Query objects (cursors, streams) carry their own callbacks; none of ours uses them.
        if (config && typeof (config as { submit?: unknown }).submit === 'function') return query.call(this, config, values, callback);
        const done = typeof values === 'function' ? (values as Callback) : callback;
        const args = typeof values === 'function' ? undefined : values;
        if (!done) {
            return new Promise((resolve, reject) => {
                this.query(config as string, args as unknown[], ((error: Error | null, result: unknown) => (error ? reject(error) : resolve(result))) as never);
            });
        }
        return query.call(this, config, args, (error, result) => {
            if (error?.message === READ_TIMEOUT) (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
            done(error, result);
        });
    } as typeof Client.prototype.query;
    return DeadlineClient;
}
