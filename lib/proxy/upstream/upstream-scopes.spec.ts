import {
  aliasedScopeMapping,
  authorizationScopes,
  effectiveScopes,
  GITHUB_IMPLIED_SCOPES,
  grantedScopes,
  identityScopeMapping,
  impliedScopeMapping,
  prefixedScopeMapping,
  splitScopes,
  tokenRequestScopes,
  type UpstreamScopePolicy,
} from './upstream-scopes.js';

const entra = prefixedScopeMapping('api://1111-app');
const policy = (overrides: Partial<UpstreamScopePolicy> = {}): UpstreamScopePolicy => ({
  mapping: identityScopeMapping,
  defaultScopes: ['read'],
  additionalScopes: [],
  separator: / +/,
  ...overrides,
});

describe('Entra scope prefixing (prefixedScopeMapping)', () => {
  it('prefixes API scopes outbound and leaves OIDC scopes and URIs alone', () => {
    expect(
      entra.toUpstream([
        'notes.read',
        'openid',
        'profile',
        'email',
        'offline_access',
        'https://graph.microsoft.com/User.Read',
      ]),
    ).toEqual([
      'api://1111-app/notes.read',
      'openid',
      'profile',
      'email',
      'offline_access',
      'https://graph.microsoft.com/User.Read',
    ]);
  });

  it('never prefixes twice', () => {
    expect(entra.toUpstream(['api://1111-app/notes.read'])).toEqual(['api://1111-app/notes.read']);
  });

  it('unprefixes on the way back and drops other resources', () => {
    expect(
      entra.fromUpstream([
        'api://1111-app/notes.read',
        'openid',
        'User.Read',
        'api://other/notes.write',
        'api://1111-app/',
      ]),
    ).toEqual(['notes.read', 'openid']);
  });

  it('accepts an identifier URI with a trailing slash and an https identifier', () => {
    const https = prefixedScopeMapping('https://api.example.com/');
    expect(https.toUpstream(['read'])).toEqual(['https://api.example.com/read']);
    expect(https.fromUpstream(['https://api.example.com/read'])).toEqual(['read']);
  });

  it('round-trips', () => {
    const scopes = ['notes.read', 'notes.write', 'offline_access'];
    expect(entra.fromUpstream(entra.toUpstream(scopes))).toEqual(scopes);
  });
});

describe('Google scope aliases', () => {
  const google = aliasedScopeMapping({
    'https://www.googleapis.com/auth/userinfo.email': 'email',
    'https://www.googleapis.com/auth/userinfo.profile': 'profile',
  });
  it('maps the long names Google echoes back to the short ones asked for', () => {
    expect(
      google.fromUpstream([
        'https://www.googleapis.com/auth/userinfo.email',
        'openid',
        'https://www.googleapis.com/auth/userinfo.profile',
        'email',
      ]),
    ).toEqual(['email', 'openid', 'profile']);
  });
  it('does not resolve inherited property names', () => {
    expect(google.fromUpstream(['toString', 'constructor'])).toEqual(['toString', 'constructor']);
  });
});

describe('GitHub normalized scopes', () => {
  const github = impliedScopeMapping(GITHUB_IMPLIED_SCOPES);
  it('a granted `user` covers read:user, user:email and user:follow', () => {
    expect(new Set(github.fromUpstream(['user', 'gist']))).toEqual(
      new Set(['user', 'read:user', 'user:email', 'user:follow', 'gist']),
    );
  });
  it('expands transitively (admin:org → write:org → read:org)', () => {
    expect(github.fromUpstream(['admin:org'])).toEqual(expect.arrayContaining(['write:org', 'read:org']));
  });
});

describe('scope policy helpers', () => {
  it('effectiveScopes falls back to the defaults and removes duplicates', () => {
    expect(effectiveScopes(policy(), undefined)).toEqual(['read']);
    expect(effectiveScopes(policy(), [])).toEqual(['read']);
    expect(effectiveScopes(policy(), ['a', 'a', 'b'])).toEqual(['a', 'b']);
  });

  it('authorizationScopes maps and appends the additional upstream scopes once', () => {
    const p = policy({ mapping: entra, additionalScopes: ['openid', 'offline_access', 'User.Read'] });
    expect(authorizationScopes(p, ['notes.read', 'openid'])).toEqual([
      'api://1111-app/notes.read',
      'openid',
      'offline_access',
      'User.Read',
    ]);
  });

  it('tokenRequestScopes is undefined unless the provider sends scope on token requests', () => {
    expect(tokenRequestScopes(policy(), ['read'])).toBeUndefined();
    const p = policy({
      mapping: entra,
      additionalScopes: ['User.Read'],
      tokenRequest: { additionalScopes: ['openid', 'offline_access'] },
    });
    // Only this API's scopes and OIDC scopes: never Graph's (AADSTS28000).
    expect(tokenRequestScopes(p, ['notes.read'])).toEqual(['api://1111-app/notes.read', 'openid', 'offline_access']);
    expect(tokenRequestScopes(p, [])).toBeUndefined();
  });

  it('splitScopes uses the provider separator', () => {
    expect(splitScopes(policy({ separator: /[\s,]+/ }), 'repo, gist,user')).toEqual(['repo', 'gist', 'user']);
    // RFC 6749: only spaces separate; a comma is part of a scope token (V-26).
    expect(splitScopes(policy(), 'a,b  c')).toEqual(['a,b', 'c']);
  });
});

describe('grantedScopes', () => {
  it('records the narrower granted scopes, never the requested ones', () => {
    expect(grantedScopes(policy(), ['read'], ['read', 'write'])).toEqual({
      scopes: ['read'],
      upstreamScopes: ['read'],
      reported: true,
    });
  });

  it('never grants more than requested', () => {
    expect(grantedScopes(policy(), ['read', 'admin'], ['read']).scopes).toEqual(['read']);
  });

  it('takes the request as granted when the upstream reports nothing (RFC 6749 §5.1)', () => {
    expect(grantedScopes(policy({ mapping: entra }), undefined, ['notes.read'])).toEqual({
      scopes: ['notes.read'],
      upstreamScopes: ['api://1111-app/notes.read'],
      reported: false,
    });
  });

  it('maps Entra echoes back before comparing', () => {
    expect(
      grantedScopes(policy({ mapping: entra }), ['api://1111-app/notes.read', 'openid'], ['notes.read', 'notes.write'])
        .scopes,
    ).toEqual(['notes.read']);
  });

  it('without a request, reports everything that maps', () => {
    expect(grantedScopes(policy({ mapping: entra }), ['api://1111-app/a', 'User.Read'], undefined).scopes).toEqual([
      'a',
    ]);
  });
});
