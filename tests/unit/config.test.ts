import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../sources/config.ts';

describe('loadConfig', () => {
    it('defaults to embedded PGlite under DATA_DIR on port 3005', () => {
        const config = loadConfig({});
        expect(config).toMatchObject({
            masterSecret: undefined,
            database: { kind: 'pglite', dir: './data/pglite' },
            dataDir: './data',
            port: 3005,
            host: '0.0.0.0',
            publicUrl: 'http://localhost:3005',
            connectionRecoveryMs: 120_000,
        });
        expect(loadConfig({ CONNECTION_RECOVERY_SECONDS: '0' }).connectionRecoveryMs).toBe(0);
        expect(Object.isFrozen(config)).toBe(true);
        expect(loadConfig({ DATA_DIR: '/srv/happy/' }).database).toEqual({ kind: 'pglite', dir: '/srv/happy/pglite' });
        expect(loadConfig({ PGLITE_DIR: '/x' }).database).toEqual({ kind: 'pglite', dir: '/x' });
    });

    it('switches to Postgres with DATABASE_URL and takes the Prisma-style schema parameter', () => {
        const config = loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/happy?schema=tenant_1&sslmode=disable', HANDY_MASTER_SECRET: 's' });
        expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://u@db:5432/happy?sslmode=disable', schema: 'tenant_1', queryTimeoutMs: 10_000 });
        expect(loadConfig({ DATABASE_URL: 'postgres://db/happy', HANDY_MASTER_SECRET: 's' }).database).toMatchObject({ schema: 'public' });
        expect(loadConfig({ DATABASE_URL: 'postgres://db/happy', DB_PROVIDER: 'pglite' }).database.kind).toBe('pglite');
        const postgres = (ms: string) => loadConfig({ DATABASE_URL: 'postgres://db/happy', HANDY_MASTER_SECRET: 's', DATABASE_QUERY_TIMEOUT_MS: ms }).database;
        expect(postgres('0')).toMatchObject({ queryTimeoutMs: 0 });
        expect(postgres('1500')).toMatchObject({ queryTimeoutMs: 1500 });
        expect(() => postgres('50')).toThrow(/DATABASE_QUERY_TIMEOUT_MS/);
    });

    it('stops with a message naming the variable', () => {
        expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
        expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
        expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
        expect(() => loadConfig({ DATABASE_URL: 'mysql://db' })).toThrow(/DATABASE_URL/);
        expect(() => loadConfig({ DATABASE_URL: 'postgres://db/happy' })).toThrow(/HANDY_MASTER_SECRET/);
        expect(() => loadConfig({ DB_PROVIDER: 'postgres' })).toThrow(/DATABASE_URL/);
        expect(() => loadConfig({ DB_PROVIDER: 'sqlite' })).toThrow(/DB_PROVIDER/);
        expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
        expect(() => loadConfig({ CONNECTION_RECOVERY_SECONDS: '-1' })).toThrow(/CONNECTION_RECOVERY_SECONDS/);
        expect(() => loadConfig({ PUBLIC_URL: 'not a url' })).toThrow(/PUBLIC_URL/);
        expect(() => loadConfig({ REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL/);
        expect(() => loadConfig({ REDIS_URL: 'redis://' })).toThrow(/REDIS_URL/);
        expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x?schema=a;drop', HANDY_MASTER_SECRET: 's' })).toThrow(/schema/);
    });

    it('takes a redis:// or rediss:// REDIS_URL for several nodes', () => {
        expect(loadConfig({}).redisUrl).toBeUndefined();
        expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
        expect(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).redisUrl).toBe('redis://cache:6379/2');
        expect(loadConfig({ REDIS_URL: 'rediss://user:pw@cache.example:6380' }).redisUrl).toBe('rediss://user:pw@cache.example:6380');
    });

    it('treats empty variables as unset and trims the public URL', () => {
        expect(loadConfig({ PORT: '', HANDY_MASTER_SECRET: '', PUBLIC_URL: 'https://happy.example/' })).toMatchObject({
            port: 3005,
            masterSecret: undefined,
            publicUrl: 'https://happy.example',
        });
    });
});
