import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

export function sessionRoutes(_app: FastifyInstance, _deps: Deps, _authenticate: Authenticate): void {}
