import Fastify, { type FastifyInstance } from 'fastify';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { dumpDatabase, writerTo } from '../storage/logicalDump.ts';
import { adminSocketPath, callAdmin } from './adminSocket.ts';
import { describeSetup } from './setupReport.ts';

/**
 * Serves the admin CLI on DATA_DIR/admin/admin.sock (see adminSocket.ts): the server's view of
 * its dependencies, a consistent backup streamed from its own database connection, and token
 * revocation that takes effect on this node at once and on the others through the cluster.
 */
export async function startAdminServer(deps: Deps): Promise<{ close(): Promise<void> }> {
    const path = adminSocketPath(deps.config.dataDir);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await chmod(dirname(path), 0o700);
    // A socket file left by a server that died is removed; one that answers is another server's.
    if (await callAdmin(deps.config.dataDir, 'GET', '/ping')) throw new Error(`another server is running with DATA_DIR ${deps.config.dataDir}`);
    await unlink(path).catch(() => {});

    const app: FastifyInstance = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.get('/ping', async () => ({ pid: process.pid }));
    routes.get('/doctor', async () => describeSetup(deps));
    routes.post('/backup', (_request, reply) => {
        const out = new PassThrough();
        dumpDatabase(deps.db.longSql, writerTo(out)).then(
            () => out.end(),
            (error: unknown) => {
                deps.log.error({ err: error }, 'admin backup failed');
                // A cut stream: the CLI sees no end marker and reports the backup as failed.
                out.destroy(error as Error);
            },
        );
        deps.log.info('admin: backup streaming');
        return reply.type('application/x-ndjson').send(out);
    });
    routes.post(
        '/accounts/:accountId/revoke-tokens',
        { schema: { params: z.object({ accountId: z.string().min(1).max(100) }) } },
        async (request, reply) => {
            const result = await deps.revocations.revoke(request.params.accountId);
            if (!result) return reply.code(404).send({ error: 'Account not found' });
            deps.log.warn({ accountId: request.params.accountId }, 'admin: tokens revoked');
            return { revokedBefore: result.revokedBefore.toISOString(), notified: result.notified };
        },
    );
    await app.listen({ path });
    await chmod(path, 0o600);
    return {
        async close() {
            await app.close();
        },
    };
}
