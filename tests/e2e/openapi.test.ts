import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kvMutateInput } from '../../sources/actions/kv/kvMutate.ts';
import { sessionCreate } from '../../sources/actions/session/sessionCreate.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/**
 * Every method and path Fastify's router holds, read from its own printout (a radix tree: a
 * route's path is its nodes' segments joined), independent of what the swagger plugin saw, as
 * `METHOD /path/{param}`. HEAD (added by Fastify to every GET),
 * the CORS preflight catch-all and the docs' own files are not API routes.
 */
function routerRoutes(printout: string): string[] {
    const stack: string[] = [];
    const routes: string[] = [];
    for (const line of printout.split('\n')) {
        const match = /^([│ ]*[├└]── )(\(empty root node\)|\S+)(?: \(([^)]*)\))?$/.exec(line);
        if (!match) continue;
        stack.length = match[1]!.length / 4 - 1;
        stack.push(match[2] === '(empty root node)' ? '' : match[2]!);
        const path = stack.join('').replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}');
        for (const method of match[3]?.split(', ') ?? []) {
            if (method === 'HEAD' || path === '{*}' || path.startsWith('/docs') || path === '/openapi.json') continue;
            routes.push(`${method} ${path}`);
        }
    }
    return routes.sort();
}

const jsonSchemaOf = (schema: z.ZodType) => {
    const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
    return rest;
};

describe('API document (/openapi.json) and docs page (spec workers.md §2.4)', () => {
    const server = useTestServer();
    const document = async () => (await server.request('GET', '/openapi.json')).body;

    it('lists every route the router holds, and nothing else', async () => {
        const response = await server.request('GET', '/openapi.json');
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const doc = response.body;
        expect(doc.openapi).toBe('3.1.0');
        expect(doc.info.title).toBe('Happy Server API');

        const registered = routerRoutes(server.server.server.app.printRoutes());
        const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
            .flatMap(([path, operations]) => Object.keys(operations).filter((key) => METHODS.includes(key)).map((m) => `${m.toUpperCase()} ${path}`))
            .sort();
        expect(registered).toContain('POST /v3/sessions/{sessionId}/messages');
        expect(registered).toContain('GET /ready');
        expect(registered.length).toBeGreaterThan(40);
        expect(documented).toEqual(registered);
    });

    it('describes each request with the zod schema its route validates with', async () => {
        const doc = await document();
        const create = doc.paths['/v1/sessions'].post;
        expect(create.requestBody.content['application/json'].schema).toEqual(jsonSchemaOf(sessionCreate.input));
        expect(doc.paths['/v1/kv'].post.requestBody.content['application/json'].schema).toEqual(jsonSchemaOf(kvMutateInput));

        const list = doc.paths['/v3/sessions/{sessionId}/messages'].get;
        expect(list.parameters.map((p: any) => `${p.in} ${p.name} ${p.required ?? false}`).sort()).toEqual([
            'path sessionId true',
            'query after_seq false',
            'query before_seq false',
            'query limit false',
        ]);
        expect(list.tags).toEqual(['sessions']);
    });

    it('marks the routes behind a bearer token, and only those', async () => {
        const doc = await document();
        expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
        expect(doc.paths['/v1/sessions'].post.security).toEqual([{ bearer: [] }]);
        expect(doc.paths['/v1/machines/{id}'].delete.security).toEqual([{ bearer: [] }]);
        for (const [path, method] of [['/v1/auth', 'post'], ['/v1/auth/request/status', 'get'], ['/health', 'get'], ['/', 'get']] as const) {
            expect(doc.paths[path][method].security).toBeUndefined();
        }
    });

    it('serves a browsable page with its assets', async () => {
        const page = await server.request('GET', '/docs');
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.text).toContain('swagger');
        const script = await server.request('GET', '/docs/static/swagger-ui-bundle.js');
        expect(script.status).toBe(200);
        expect(script.headers.get('content-type')).toMatch(/javascript/);
        expect((await server.request('GET', '/docs/json')).body.paths['/v1/sessions']).toBeDefined();
    });
});
