import { Inject, Injectable } from '@nestjs/common';
import { MCP_AUTH_STORE, type McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../client-directory.js';
import { OAUTH_RECORDS, type GrantRecord } from './grant-records.js';
import { GrantService } from './grant.service.js';

/**
 * One application a user authorized: a grant (a refresh-token family and the access tokens issued
 * from it).
 * @publicApi
 */
export interface ConnectedApp {
  readonly grantId: string;
  readonly clientId: string;
  /** The client's registered name, when it has one and is still registered. */
  readonly clientName?: string;
  readonly scopes: readonly string[];
  /** The MCP resource the tokens are for. */
  readonly resource: string;
  /** When the user authorized it (epoch seconds). */
  readonly createdAt: number;
}

/**
 * The applications ("connected apps") a user has authorized at level 3 or 4, and revoking them.
 * Revoking a grant makes its refresh tokens fail at once and its access tokens fail at the MCP
 * endpoint within the revocation cache bound (10 s, policy P-10), forgets every remembered
 * consent for that client, and at level 3 revokes the upstream token too.
 *
 * Inject it to build a "connected apps" page in your application; the optional admin routes
 * (`server.adminRoutes` / `proxy.adminRoutes`) expose it over HTTP.
 * @publicApi
 */
@Injectable()
export class ConnectedAppsService {
  constructor(
    @Inject(MCP_AUTH_STORE) private readonly store: McpAuthStore,
    private readonly grants: GrantService,
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
  ) {}

  /** The user's live grants, newest first. */
  async list(subject: string): Promise<ConnectedApp[]> {
    const records = await this.liveGrants(subject);
    const apps = await Promise.all(
      records.map(async (grant): Promise<ConnectedApp> => {
        const client = await this.clients.find(grant.clientId);
        return {
          grantId: grant.grantId,
          clientId: grant.clientId,
          ...(client?.clientName ? { clientName: client.clientName } : {}),
          scopes: grant.scopes,
          resource: grant.resource,
          createdAt: grant.createdAt,
        };
      }),
    );
    return apps.sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Revokes one of the user's grants.
   * @returns `false` when the grant does not exist or belongs to another user.
   */
  async revoke(subject: string, grantId: string): Promise<boolean> {
    const grant = await this.grants.grant(grantId);
    if (!grant || grant.subject !== subject) return false;
    await this.revokeGrant(grant);
    return true;
  }

  /**
   * Revokes every grant of the user, or only those of one client.
   * @returns how many grants were revoked.
   */
  async revokeAll(subject: string, clientId?: string): Promise<number> {
    const grants = (await this.liveGrants(subject)).filter((grant) => !clientId || grant.clientId === clientId);
    for (const grant of grants) await this.revokeGrant(grant);
    return grants.length;
  }

  /**
   * Revoking runs the grant service's listeners: the verifier forgets the grant, remembered
   * consent for the client is forgotten, the proxy revokes the upstream token.
   */
  private async revokeGrant(grant: GrantRecord): Promise<void> {
    await this.grants.revokeGrant(grant.grantId);
  }

  private async liveGrants(subject: string): Promise<GrantRecord[]> {
    const index = await this.store.get(OAUTH_RECORDS.userGrants.key(subject));
    const grants = await Promise.all((index?.grants ?? []).map((entry) => this.grants.grant(entry.grantId)));
    const live: GrantRecord[] = [];
    for (const grant of grants) {
      if (grant && grant.subject === subject && !(await this.grants.isRevoked(grant.grantId))) live.push(grant);
    }
    return live;
  }
}
