// The typed context every handler sees: shared services, and the API token that authenticated the call.
import type { ApiToken } from '../config/env.js';
import type { Services } from '../services.js';

export type AppEnv = {
  Variables: {
    services: Services;
    token: ApiToken | null;
    requestId: string;
  };
};
