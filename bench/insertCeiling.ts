import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { round } from './stats.ts';

/**
 * The yardstick: plain single-row INSERTs (one implicit transaction each) into the same kind
 * of database the server uses, as fast as the driver allows. The server's end-to-end message
 * rate divided by this is the ratio the issue asks about.
 */
export async function postgresInsertCeiling(url: string, durationMs: number, connections = 10): Promise<number> {
    const pool = new pg.Pool({ connectionString: url, max: connections });
    const table = `bench_insert_${randomBytes(4).toString('hex')}`;
    await pool.query(`CREATE TABLE ${table} (id BIGSERIAL PRIMARY KEY, sid TEXT NOT NULL, payload TEXT NOT NULL)`);
    const payload = randomBytes(256).toString('base64');
    let inserts = 0;
    const deadline = performance.now() + durationMs;
    await Promise.all(
        Array.from({ length: connections }, async (_, i) => {
            while (performance.now() < deadline) {
                await pool.query(`INSERT INTO ${table} (sid, payload) VALUES ($1, $2)`, [`s${i}`, payload]);
                inserts++;
            }
        }),
    );
    await pool.query(`DROP TABLE ${table}`);
    await pool.end();
    return round(inserts / (durationMs / 1000));
}

/** PGlite is one in-process connection: the ceiling is sequential inserts into a data directory. */
export async function pgliteInsertCeiling(durationMs: number): Promise<number> {
    const dir = await mkdtemp(join(tmpdir(), 'happy-bench-pglite-'));
    const db = new PGlite(dir);
    await db.exec('CREATE TABLE bench_insert (id BIGSERIAL PRIMARY KEY, sid TEXT NOT NULL, payload TEXT NOT NULL)');
    const payload = randomBytes(256).toString('base64');
    let inserts = 0;
    const deadline = performance.now() + durationMs;
    while (performance.now() < deadline) {
        await db.query('INSERT INTO bench_insert (sid, payload) VALUES ($1, $2)', ['s', payload]);
        inserts++;
    }
    await db.close();
    await rm(dir, { recursive: true, force: true });
    return round(inserts / (durationMs / 1000));
}
