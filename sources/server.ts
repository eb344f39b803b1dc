import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { sweepPairingRequests } from './actions/auth/pairingRequests.ts';
import type { Deps } from './deps.ts';
import { startPresenceTimeout, type PresenceTimeout } from './presence/presenceTimeout.ts';
import { createAuthenticate } from './transport/http/plugins/authenticate.ts';
import { registerBodyParsers } from './transport/http/plugins/bodyParsers.ts';
import { frameworkErrors, registerErrorHandlers } from './transport/http/plugins/errorHandler.ts';
import { registerHttpMetrics } from './transport/http/plugins/httpMetrics.ts';
import { registerOpenApi } from './transport/http/plugins/openapi.ts';
import { registerRateLimits } from './transport/http/plugins/rateLimits.ts';
import { registerSecurityHeaders } from './transport/http/plugins/securityHeaders.ts';
import { registerRequestContext, requestId } from './transport/http/plugins/requestContext.ts';
import { registerWebApp } from './transport/http/plugins/webApp.ts';
import { accessKeyRoutes } from './transport/http/routes/accessKeyRoutes.ts';
import { accountRoutes } from './transport/http/routes/accountRoutes.ts';
import { artifactRoutes } from './transport/http/routes/artifactRoutes.ts';
import { attachmentRoutes } from './transport/http/routes/attachmentRoutes.ts';
import { clientLogRoutes } from './transport/http/routes/clientLogRoutes.ts';
import { authRoutes } from './transport/http/routes/authRoutes.ts';
import { connectRoutes } from './transport/http/routes/connectRoutes.ts';
import { feedRoutes } from './transport/http/routes/feedRoutes.ts';
import { fileRoutes } from './transport/http/routes/fileRoutes.ts';
import { infraRoutes } from './transport/http/routes/infraRoutes.ts';
import { kvRoutes } from './transport/http/routes/kvRoutes.ts';
import { machineRoutes } from './transport/http/routes/machineRoutes.ts';
import { pushEventRoutes } from './transport/http/routes/pushEventRoutes.ts';
import { pushTokenRoutes } from './transport/http/routes/pushTokenRoutes.ts';
import { sessionRoutes } from './transport/http/routes/sessionRoutes.ts';
import { uploadRoutes } from './transport/http/routes/uploadRoutes.ts';
import { usageRoutes } from './transport/http/routes/usageRoutes.ts';
import { userRoutes } from './transport/http/routes/userRoutes.ts';
import { voiceRoutes } from './transport/http/routes/voiceRoutes.ts';
import { websocketRoutes } from './transport/http/routes/websocketRoutes.ts';
import { createNativeGateway } from './transport/native/nativeGateway.ts';
import { routeUpgrades } from './transport/native/upgradeRouter.ts';
import { attachSocketServer } from './transport/socket/socketServer.ts';

export interface Server {
    app: FastifyInstance;
    /** The inactivity sweep loop; tests run a pass with `tick()`. */
    presenceTimeout: PresenceTimeout;
    /** Stops accepting requests, ends in-flight work and background loops. Does not close deps. */
    close(): Promise<void>;
}

/** Upstream's global limit (spec rest.md §1.3); routes with small bodies set their own. */
const BODY_LIMIT = 100 * 1024 * 1024;
const PAIRING_SWEEP_INTERVAL_MS = 5 * 60 * 1000;

/** Builds the whole server from config and deps. Production and tests both come through here. */
export async function createServer(deps: Deps): Promise<Server> {
    const { timeouts, trustProxy } = deps.config.limits;
    const app = Fastify({
        loggerInstance: deps.log as FastifyBaseLogger,
        // Fastify's two lines per request cost more than they tell: requestContext.ts logs one
        // at debug, errors are logged by the error handler, each with the request id.
        logController: new LogController({ disableRequestLogging: true }),
        genReqId: requestId,
        bodyLimit: BODY_LIMIT,
        // Against slow clients: the whole request within requestTimeout (its headers within
        // headersTimeout, below), no silence longer than connectionTimeout on a connection that
        // is still HTTP (upgraded sockets have their own pings), idle keep-alives closed.
        requestTimeout: timeouts.requestMs,
        connectionTimeout: timeouts.idleMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        trustProxy,
        return503OnClosing: true,
        forceCloseConnections: 'idle',
        frameworkErrors,
    });
    app.server.headersTimeout = timeouts.headersMs;
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorateRequest('userId', '');

    // Before CORS (its preflight answers carry the request id too) and before any route.
    registerRequestContext(app);
    registerHttpMetrics(app, deps.metrics);
    await registerOpenApi(app);
    await app.register(cors, {
        origin: '*',
        methods: ['GET', 'POST', 'PUT', 'DELETE'],
        allowedHeaders: '*',
    });
    await registerSecurityHeaders(app);
    registerBodyParsers(app);
    await registerRateLimits(app, deps);
    registerErrorHandlers(app, !deps.config.webApp);
    if (deps.config.webApp) await registerWebApp(app, deps.config.webApp);

    const authenticate = createAuthenticate(deps.tokens);
    infraRoutes(app, deps);
    authRoutes(app, deps, authenticate);
    sessionRoutes(app, deps, authenticate);
    machineRoutes(app, deps, authenticate);
    artifactRoutes(app, deps, authenticate);
    accessKeyRoutes(app, deps, authenticate);
    kvRoutes(app, deps, authenticate);
    accountRoutes(app, deps, authenticate);
    usageRoutes(app, deps, authenticate);
    pushTokenRoutes(app, deps, authenticate);
    pushEventRoutes(app, deps, authenticate);
    voiceRoutes(app, deps, authenticate);
    clientLogRoutes(app, deps);
    userRoutes(app, deps, authenticate);
    feedRoutes(app, deps, authenticate);
    attachmentRoutes(app, deps, authenticate);
    uploadRoutes(app, deps, authenticate);
    connectRoutes(app, deps, authenticate);
    websocketRoutes(app, deps, authenticate);
    fileRoutes(app, deps);

    await app.ready();
    // Attached before listen (upstream attached after): /v1/updates is served from the first request.
    attachSocketServer(deps, app.server);
    // Native WebSocket clients share /v1/updates: upgrades without Engine.IO's query go to the gateway.
    const nativeGateway = createNativeGateway(deps);
    routeUpgrades(app.server, deps.io, nativeGateway);

    const sweeper = setInterval(() => {
        sweepPairingRequests(deps.db.prisma).catch((error) => deps.log.warn({ err: error }, 'pairing sweep failed'));
    }, PAIRING_SWEEP_INTERVAL_MS);
    sweeper.unref();
    const presenceTimeout = startPresenceTimeout(deps.db.prisma, deps.events, deps.cluster.sweepLease, deps.log);

    return {
        app,
        presenceTimeout,
        async close() {
            clearInterval(sweeper);
            await presenceTimeout.stop();
            nativeGateway.close();
            // Disconnects every socket and closes the HTTP server; Fastify then finishes requests.
            await deps.io.close();
            await app.close();
        },
    };
}
