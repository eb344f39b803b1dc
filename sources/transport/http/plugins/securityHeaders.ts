import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * For every response that is not an HTML page (JSON, blobs, the docs' and the app's assets): it
 * is never meant to run anything or be framed. A browser applies CSP only to documents, so this
 * is what stops an uploaded SVG or a JSON body opened in a tab from running script.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Security headers by helmet, chosen so that neither the CLI (it reads none of them) nor the
 * app breaks:
 * - No CSP from helmet: HTML pages (Swagger UI at /docs, the web app with its inline config
 *   script, which talks to whichever servers its user picks) get none; every other response gets
 *   the strict API_CSP, unless its route set one itself.
 * - Cross-Origin-Resource-Policy `cross-origin`: the app on another origin shows avatars and
 *   files from here in <img> (helmet's `same-origin` would block them). CORS stays `*`.
 * - Cross-Origin-Opener-Policy `same-origin-allow-popups`: the app may open OAuth popups.
 * - No HSTS: TLS ends at the operator's proxy, which knows whether every subdomain has HTTPS;
 *   a wrong `includeSubDomains` here could lock out other sites of the same domain for a year.
 * Kept from helmet: nosniff, X-Frame-Options SAMEORIGIN, Referrer-Policy no-referrer,
 * Origin-Agent-Cluster, X-DNS-Prefetch-Control off, X-Download-Options, X-Permitted-Cross-
 * Domain-Policies none, X-XSS-Protection 0.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
    await app.register(helmet, {
        contentSecurityPolicy: false,
        strictTransportSecurity: false,
        crossOriginResourcePolicy: { policy: 'cross-origin' },
        crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
        crossOriginEmbedderPolicy: false,
    });
    // Synchronous (callback style): no extra turn between a handler's send and the write.
    app.addHook('onSend', (_request, reply, payload, done) => {
        const type = reply.getHeader('content-type');
        const html = typeof type === 'string' && type.startsWith('text/html');
        if (!html && !reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
        done(null, payload);
    });
}
