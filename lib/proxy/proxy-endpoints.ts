import { Injectable, type NestMiddleware, type Type } from '@nestjs/common';
import type { Request, Response } from 'express';

/** Placeholder until the proxy callback lands: never mounted without a proxy configuration. */
@Injectable()
class UpstreamCallbackEndpoint implements NestMiddleware {
  use(_request: Request, response: Response): void {
    response.writeHead(404).end();
  }
}

export const PROXY_ENDPOINTS: { callback: Type<unknown> } = { callback: UpstreamCallbackEndpoint };
