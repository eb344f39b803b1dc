import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { WebAppConfig } from '../../../config.ts';

/**
 * Upstream's standalone mode (spec rest.md §1.9, storage.md §5.3): the built Happy web app from
 * HAPPY_STATIC_DIR on the API port. Files are served as they are; `/`, `/index.html` and every
 * other GET that is no file and not under an API prefix get index.html (the app routes on the
 * client), with HAPPY_INJECT_HTML_CONFIG as `window.__HAPPY_CONFIG__` right after `<head…>`.
 * Everything else unmatched gets upstream's static-mode 404 body, `{"error":"Not found"}`.
 */

/** GETs under these prefixes are API paths: a miss there is a 404, never the app. */
const API_PREFIXES = ['/v1', '/v3', '/socket', '/files/', '/metrics', '/health'];

export async function registerWebApp(app: FastifyInstance, config: WebAppConfig): Promise<void> {
    const root = resolve(config.dir);
    const indexFile = join(root, 'index.html');
    // At start-up, not at the first visitor: a wrong directory stops the server naming the variable.
    await access(indexFile).catch(() => {
        throw new Error(`HAPPY_STATIC_DIR: ${root} has no index.html (expected a built Happy web app)`);
    });
    const script = config.injectConfig === undefined ? undefined : configScript(config.injectConfig);

    const sendIndex = async (reply: FastifyReply) => {
        const html = await readFile(indexFile, 'utf8').catch(() => undefined);
        if (html === undefined) return reply.code(404).send({ error: 'Not found' });
        // The page names the current asset files: a cached copy would load a previous build's.
        reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
        return reply.send(script ? injectAfterHead(html, script) : html);
    };

    await app.register(fastifyStatic, {
        root,
        index: false,
        decorateReply: false,
        // index.html always goes through sendIndex, which injects the config.
        allowedPath: (pathName) => pathName !== '/index.html',
    });
    app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
        const path = request.url.split('?', 1)[0] ?? '';
        if (request.method !== 'GET' || API_PREFIXES.some((prefix) => path.startsWith(prefix))) {
            return reply.code(404).send({ error: 'Not found' });
        }
        return sendIndex(reply);
    });
}

/** `<` escaped so a value containing `</script>` cannot end the script early (same JSON value). */
function configScript(json: string): string {
    return `<script>window.__HAPPY_CONFIG__ = ${json.replaceAll('<', '\\u003c')};</script>`;
}

function injectAfterHead(html: string, script: string): string {
    const head = /<head(\s[^>]*)?>/i.exec(html);
    if (!head) return html;
    const end = head.index + head[0].length;
    return html.slice(0, end) + script + html.slice(end);
}
