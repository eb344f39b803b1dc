import { z } from 'zod';
import { filesConfig, s3EnvShape, type FilesConfig } from './files/storageConfig.ts';
import { limitsConfig, limitsEnvShape, type LimitsConfig } from './transport/limitsConfig.ts';
import { githubConfig, githubEnvShape, type GithubConfig } from './integrations/githubConfig.ts';
import { voicePushConfig, voicePushEnvShape, type VoicePushConfig } from './integrations/voicePushConfig.ts';

/**
 * Every environment variable the server reads, parsed once. Nothing else touches process.env.
 * Names and defaults follow the upstream server (spec/storage.md §5.1) so existing deployments
 * keep working; the differences are documented in README.md.
 */

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const port = z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).optional());

const envSchema = z.object({
    HANDY_MASTER_SECRET: optionalString,
    DATABASE_URL: z.preprocess(
        emptyAsUndefined,
        z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
    ),
    DB_PROVIDER: z.preprocess(emptyAsUndefined, z.enum(['pglite', 'postgres']).optional()),
    DATABASE_QUERY_TIMEOUT_MS: z.preprocess(
        emptyAsUndefined,
        z.coerce.number().int().refine((ms) => ms === 0 || (ms >= 100 && ms <= 3_600_000), 'must be 0 (none) or 100-3600000').default(10_000),
    ),
    REDIS_URL: z.preprocess(
        emptyAsUndefined,
        z.url({ protocol: /^rediss?$/, hostname: /^.+$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
    ),
    CONNECTION_RECOVERY_SECONDS: z.preprocess(
        emptyAsUndefined,
        z.coerce.number().int().min(0).max(3600).default(120),
    ),
    WS_MAX_CONNECTIONS_PER_ACCOUNT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(100)),
    WS_AUTH_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).max(60_000).default(5000)),
    ...limitsEnvShape,
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
    PGLITE_DIR: optionalString,
    PORT: port,
    HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
    PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    LOG_LEVEL: z.preprocess(
        emptyAsUndefined,
        z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ),
    LOG_FORMAT: z.preprocess(emptyAsUndefined, z.enum(['json', 'pretty', 'auto']).default('auto')),
    METRICS_ENABLED: z.preprocess(
        (value) => (typeof value === 'string' ? emptyAsUndefined(value.toLowerCase()) : value),
        z.enum(['true', 'false', '1', '0']).default('true'),
    ),
    METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(9090)),
    HAPPY_STATIC_DIR: optionalString,
    HAPPY_INJECT_HTML_CONFIG: optionalString,
    ...s3EnvShape,
    ...githubEnvShape,
    ...voicePushEnvShape,
});

/** A built Happy web app served on the API port (upstream's standalone mode). */
export type WebAppConfig = { dir: string; /** JSON text, checked at load. */ injectConfig: string | undefined };

/** Every variable name loadConfig reads (docker-compose.yml and .env.example are checked against it). */
export const CONFIG_ENV_NAMES: readonly string[] = Object.keys(envSchema.shape);

export type DatabaseConfig =
    | { kind: 'pglite'; dir: string }
    /**
     * `queryTimeoutMs`: how long a statement of a request may go unanswered before its connection
     * is given up (503); 0: no deadline. Migrations, backup and restore are not bound by it.
     */
    | { kind: 'postgres'; url: string; schema: string; queryTimeoutMs: number };

export type Config = Readonly<{
    /** Undefined only in embedded mode, where main.ts loads or creates DATA_DIR/master-secret. */
    masterSecret: string | undefined;
    database: DatabaseConfig;
    /** Set: this node is one of several sharing Redis (socket adapter, stop registry, sweep lease). */
    redisUrl: string | undefined;
    /** How long a dropped socket can come back and get what it missed; 0 turns recovery off. */
    connectionRecoveryMs: number;
    /** The native WebSocket gateway (spec workers.md §1): sockets per account, in-band auth deadline. */
    nativeWs: { maxConnectionsPerAccount: number; authTimeoutMs: number };
    /** Abuse limits: HTTP rate limits, socket event and connection limits, HTTP timeouts, proxies. */
    limits: LimitsConfig;
    dataDir: string;
    port: number;
    host: string;
    publicUrl: string;
    logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
    /** `auto`: pretty on a terminal, JSON lines otherwise. */
    logFormat: z.infer<typeof envSchema>['LOG_FORMAT'];
    /** The Prometheus listener main.ts starts on its own port (never on the API port). */
    metrics: { enabled: boolean; port: number };
    /** Blob storage: S3 when S3_HOST is set, else a directory under DATA_DIR. */
    files: FilesConfig;
    /** GitHub connect: the OAuth app and webhook secret (each optional) and base URLs. */
    github: GithubConfig;
    /** ElevenLabs, RevenueCat and Expo: keys (each optional) and base URLs; the client log sink. */
    voicePush: VoicePushConfig;
    /** HAPPY_STATIC_DIR is set: `/` and unmatched GETs serve the web app. */
    webApp: WebAppConfig | undefined;
}>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
    const parsed = envSchema.safeParse(env);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
        throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    }
    const e = parsed.data;
    const database = databaseConfig(e);
    if (database.kind === 'postgres' && !e.HANDY_MASTER_SECRET) {
        throw new ConfigError(
            'Invalid configuration:\n  HANDY_MASTER_SECRET: required when DATABASE_URL is set ' +
                '(it signs every token; use the value of the server that created the database)',
        );
    }
    const portNumber = e.PORT ?? 3005;
    const files = filesConfig(e, e.DATA_DIR, e.PUBLIC_URL);
    if (Array.isArray(files)) throw new ConfigError(`Invalid configuration:\n  ${files.join('\n  ')}`);
    const github = githubConfig(e);
    if (Array.isArray(github)) throw new ConfigError(`Invalid configuration:\n  ${github.join('\n  ')}`);
    return Object.freeze({
        masterSecret: e.HANDY_MASTER_SECRET,
        database,
        redisUrl: e.REDIS_URL,
        connectionRecoveryMs: e.CONNECTION_RECOVERY_SECONDS * 1000,
        nativeWs: { maxConnectionsPerAccount: e.WS_MAX_CONNECTIONS_PER_ACCOUNT, authTimeoutMs: e.WS_AUTH_TIMEOUT_MS },
        limits: limitsConfig(e),
        dataDir: e.DATA_DIR,
        port: portNumber,
        host: e.HOST,
        publicUrl: (e.PUBLIC_URL ?? `http://localhost:${portNumber}`).replace(/\/+$/, ''),
        logLevel: e.LOG_LEVEL,
        logFormat: e.LOG_FORMAT,
        metrics: { enabled: e.METRICS_ENABLED === 'true' || e.METRICS_ENABLED === '1', port: e.METRICS_PORT },
        files,
        github,
        voicePush: voicePushConfig(e),
        webApp: webAppConfig(e),
    });
}

function databaseConfig(e: z.infer<typeof envSchema>): DatabaseConfig {
    const wantsPostgres = e.DB_PROVIDER === 'postgres' || (e.DB_PROVIDER === undefined && e.DATABASE_URL);
    if (!wantsPostgres) {
        return { kind: 'pglite', dir: e.PGLITE_DIR ?? `${e.DATA_DIR.replace(/\/+$/, '')}/pglite` };
    }
    if (!e.DATABASE_URL) {
        throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required when DB_PROVIDER=postgres');
    }
    // Prisma-style `?schema=` selects the Postgres schema; the driver itself must not see it.
    const url = new URL(e.DATABASE_URL);
    const schema = url.searchParams.get('schema') ?? 'public';
    url.searchParams.delete('schema');
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
        throw new ConfigError(`Invalid configuration:\n  DATABASE_URL: schema "${schema}" is not a plain identifier`);
    }
    return { kind: 'postgres', url: url.toString(), schema, queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS };
}

function webAppConfig(e: z.infer<typeof envSchema>): WebAppConfig | undefined {
    const injectConfig = e.HAPPY_INJECT_HTML_CONFIG;
    if (injectConfig !== undefined) {
        // Upstream ignored malformed JSON silently; a typo here should stop start-up instead.
        try {
            JSON.parse(injectConfig);
        } catch (error) {
            throw new ConfigError(`Invalid configuration:\n  HAPPY_INJECT_HTML_CONFIG: not JSON (${(error as Error).message})`);
        }
    }
    return e.HAPPY_STATIC_DIR ? { dir: e.HAPPY_STATIC_DIR, injectConfig } : undefined;
}
