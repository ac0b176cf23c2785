import {
  ChainVerifierOptions,
  CustomVerifierOptions,
  DEFAULT_ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  IntrospectionVerifierOptions,
  JwksFetchOptions,
  JwtVerifierOptions,
  StaticTokenDefinition,
  StaticTokenVerifierOptions,
  VerifiedTokenCacheOptions,
  type McpVerifierOptions,
} from './verifier-options.js';
import { indexPath, validateSection } from './validate-section.js';

const SCHEMAS = {
  jwt: JwtVerifierOptions,
  introspection: IntrospectionVerifierOptions,
  static: StaticTokenVerifierOptions,
  custom: CustomVerifierOptions,
  chain: ChainVerifierOptions,
} as const;

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * Validates a verifier configuration (recursively for chains), adding one line per problem.
 */
export function validateVerifierOptions(
  path: string,
  options: McpVerifierOptions | undefined,
  context: { production: boolean },
  problems: string[],
): void {
  const type = (options as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) {
    problems.push(`${path}.type: must be one of ${Object.keys(SCHEMAS).join(', ')}`);
    return;
  }
  const schema = SCHEMAS[type as keyof typeof SCHEMAS];
  if (!validateSection(path, schema, options, problems)) return;
  switch (type) {
    case 'jwt':
      return validateJwt(path, options as JwtVerifierOptions, problems);
    case 'introspection':
      return validateIntrospection(path, options as IntrospectionVerifierOptions, problems);
    case 'static':
      return validateStatic(path, options as StaticTokenVerifierOptions, context, problems);
    case 'chain':
      arrayOrEmpty((options as ChainVerifierOptions).verifiers).forEach((member, i) =>
        validateVerifierOptions(indexPath(`${path}.verifiers`, i), member as McpVerifierOptions, context, problems),
      );
      return;
  }
}

function validateJwt(path: string, options: JwtVerifierOptions, problems: string[]): void {
  const sources = [options.jwksUri, options.publicKeys, options.secret, options.discovery || undefined].filter(
    (s) => s !== undefined,
  );
  if (sources.length !== 1) {
    problems.push(`${path}: set exactly one key source: jwksUri, publicKeys, secret or discovery`);
  }
  if (options.discovery && typeof options.issuer !== 'string') {
    problems.push(`${path}.discovery: needs a single issuer to discover`);
  }
  const allowed: readonly string[] = options.secret !== undefined ? HMAC_ALGORITHMS : DEFAULT_ASYMMETRIC_ALGORITHMS;
  for (const alg of arrayOrEmpty(options.algorithms)) {
    if (typeof alg === 'string' && !allowed.includes(alg)) {
      problems.push(
        options.secret !== undefined
          ? `${path}.algorithms: ${alg} cannot be used with an HMAC secret (allowed: ${allowed.join(', ')})`
          : `${path}.algorithms: ${alg} is not an asymmetric JWS algorithm (allowed: ${allowed.join(', ')})`,
      );
    }
  }
  arrayOrEmpty(options.publicKeys).forEach((key, i) => {
    const at = indexPath(`${path}.publicKeys`, i);
    if (typeof key === 'string') {
      if (!/-----BEGIN (PUBLIC KEY|CERTIFICATE|RSA PUBLIC KEY)-----/.test(key)) {
        problems.push(`${at}: must be a PEM public key or certificate`);
      }
    } else if (key === null || typeof key !== 'object' || typeof (key as { kty?: unknown }).kty !== 'string') {
      problems.push(`${at}: must be a PEM string or a JWK object`);
    } else if (PRIVATE_JWK_MEMBERS.some((m) => m in key)) {
      problems.push(`${at}: must be a public JWK (private or symmetric key material found)`);
    }
  });
  if (options.jwks !== undefined) validateSection(`${path}.jwks`, JwksFetchOptions, options.jwks, problems);
  validateCache(`${path}.cache`, options.cache, problems);
}

function validateIntrospection(path: string, options: IntrospectionVerifierOptions, problems: string[]): void {
  const audience = options.audience;
  const validAudience =
    audience === undefined ||
    audience === false ||
    (typeof audience === 'string' && audience !== '') ||
    (Array.isArray(audience) && audience.length > 0 && audience.every((a) => typeof a === 'string' && a !== ''));
  if (!validAudience) problems.push(`${path}.audience: must be false, a non-empty string or an array of strings`);
  validateCache(`${path}.cache`, options.cache, problems);
}

function validateStatic(
  path: string,
  options: StaticTokenVerifierOptions,
  context: { production: boolean },
  problems: string[],
): void {
  const tokens = options.tokens as unknown;
  const entries =
    tokens !== null && typeof tokens === 'object' ? Object.entries(tokens as Record<string, unknown>) : [];
  if (entries.length === 0) problems.push(`${path}.tokens: must define at least one token`);
  for (const [token, definition] of entries) {
    if (token.length < 16) problems.push(`${path}.tokens: each token must be at least 16 characters`);
    validateSection(
      `${path}.tokens[${JSON.stringify(abbreviate(token))}]`,
      StaticTokenDefinition,
      definition,
      problems,
    );
  }
  if (context.production && options.allowInProduction !== true) {
    problems.push(`${path}: static development tokens are refused in production (set allowInProduction to override)`);
  }
}

function validateCache(path: string, cache: VerifiedTokenCacheOptions | false | undefined, problems: string[]): void {
  if (cache === undefined || cache === false) return;
  validateSection(path, VerifiedTokenCacheOptions, cache, problems);
}

/** Wrong types were already reported by the schema; nested checks then see nothing to check. */
function arrayOrEmpty(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Never print a whole secret token in an error message. */
function abbreviate(token: string): string {
  return token.length <= 8 ? token : `${token.slice(0, 4)}…`;
}
