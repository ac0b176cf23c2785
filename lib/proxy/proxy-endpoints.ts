import type { Type } from '@nestjs/common';
import { UpstreamCallbackEndpoint } from './upstream-callback.endpoint.js';

/** The proxy's own endpoints, mounted by the authorization server's route table. */
export const PROXY_ENDPOINTS: { callback: Type<unknown> } = { callback: UpstreamCallbackEndpoint };
