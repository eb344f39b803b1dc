import swagger, { type SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { $ZodType } from 'zod/v4/core';
import packageJson from '../../../../package.json' with { type: 'json' };
import { NO_BODY_LIMIT } from '../httpAction.ts';
import { requiresBearer } from './authenticate.ts';

/** Where the browsable page lives; /openapi.json is the document itself. */
const DOCS_PREFIX = '/docs';

const PARTS = ['body', 'querystring', 'params', 'headers'] as const;

/**
 * The OpenAPI 3.1 document of every route, generated from the same zod schemas the routes
 * validate with (fastify-type-provider-zod's transform), served at `/openapi.json` as the
 * Workers variant does, with Swagger UI at /docs. Registered before the routes: swagger
 * collects them as they are added. Hidden: the docs' own routes and /openapi.json.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
    await app.register(swagger, {
        openapi: {
            openapi: '3.1.0',
            info: {
                title: 'Happy Server API',
                version: packageJson.version,
                description:
                    'Sync server for end-to-end encrypted Happy clients. Realtime events travel over Socket.IO at /v1/updates ' +
                    '(not described here). Payload fields are opaque client ciphertext.',
            },
            components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        },
        transform: describeRoute,
    });
    await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
    app.get('/openapi.json', { schema: { hide: true }, bodyLimit: NO_BODY_LIMIT }, async () => app.swagger());
}

/**
 * The zod transform for the parts that are zod schemas, plain JSON schemas kept as they are
 * (a route may declare one), plus a tag per resource and the bearer requirement of the routes
 * behind `authenticate`.
 */
const describeRoute: SwaggerTransform = (input) => {
    const zodParts: FastifySchema = { ...input.schema };
    const plainParts: FastifySchema = {};
    for (const part of PARTS) {
        if (input.schema?.[part] !== undefined && !(input.schema[part] instanceof $ZodType)) {
            plainParts[part] = input.schema[part];
            delete zodParts[part];
        }
    }
    const { schema, url } = jsonSchemaTransform({ ...input, schema: zodParts });
    if ((schema as { hide?: boolean }).hide) return { schema, url };
    return {
        url,
        schema: {
            ...schema,
            ...plainParts,
            tags: [resourceOf(url)],
            ...(requiresBearer(input.route.preHandler) && { security: [{ bearer: [] }] }),
        },
    };
};

/** `/v1/sessions/:id/messages` -> `sessions`, `/health` -> `health`. */
function resourceOf(url: string): string {
    const segments = url.split('/').filter((segment) => segment && !/^v\d+$/.test(segment) && !segment.startsWith(':'));
    return segments[0] ?? 'server';
}
