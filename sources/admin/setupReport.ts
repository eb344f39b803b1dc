import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';

/** One line of `doctor`: the part of the setup, whether it works, and what was found. */
export interface Check {
    part: 'configuration' | 'server' | 'database' | 'redis' | 'blobStore';
    ok: boolean;
    detail: string;
}

/** Where each dependency is, with no credentials (the output may be pasted into an issue). */
export function describeConfig(config: Config): Record<'database' | 'redis' | 'blobStore', string> {
    const database =
        config.database.kind === 'pglite' ? `embedded PGlite in ${config.database.dir}` : `Postgres at ${withoutCredentials(config.database.url)} (schema ${config.database.schema})`;
    const redis = config.redisUrl ? `Redis at ${withoutCredentials(config.redisUrl)}` : 'not configured (a single node)';
    const blobStore = config.files.kind === 'local' ? `directory ${config.files.root}` : `S3 bucket ${config.files.bucket} at ${config.files.endpoint}`;
    return { database, redis, blobStore };
}

function withoutCredentials(url: string): string {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** The running server's own view: what /ready checks, said per part. */
export async function describeSetup(deps: Pick<Deps, 'config' | 'readiness'>): Promise<Check[]> {
    const where = describeConfig(deps.config);
    const reports = await deps.readiness.check();
    const checks: Check[] = [{ part: 'server', ok: true, detail: `running (pid ${process.pid}, up ${Math.round(process.uptime())} s, port ${deps.config.port})` }];
    for (const part of ['database', 'redis', 'blobStore'] as const) {
        const state = reports.find((report) => report.name === part)?.state ?? 'none';
        checks.push({ part, ok: state !== 'down', detail: `${where[part]}: ${state === 'down' ? 'DOWN' : state === 'none' ? 'not used' : 'reachable'}` });
    }
    return checks;
}
