import { IsDefined, IsIn, IsOptional, IsString, Matches, registerDecorator } from 'class-validator';
import type { JWK } from 'jose';

/**
 * JWS algorithms the module signs its own access tokens with. Asymmetric only: resource servers
 * verify the tokens through the published JWKS, so a shared HMAC secret is never an option
 * (security catalog AS-01).
 * @publicApi
 */
export const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;

/** One of {@link SIGNING_ALGORITHMS}. @publicApi */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Largest accepted epoch-seconds value: anything bigger is almost surely milliseconds. */
export const MAX_EPOCH_SECONDS = 99_999_999_999;

/**
 * A non-negative integer number of seconds since the epoch; values past {@link MAX_EPOCH_SECONDS}
 * are reported as milliseconds by mistake. One message per value.
 */
function IsEpochSeconds(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEpochSeconds',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: ({ value }) =>
          Number.isSafeInteger(value) && (value as number) > MAX_EPOCH_SECONDS
            ? 'must be in seconds since the epoch (this looks like milliseconds)'
            : 'must be a non-negative integer number of seconds since the epoch',
      },
      validator: {
        validate: (value: unknown) =>
          Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_EPOCH_SECONDS,
      },
    });
}

/** What a `kid` may be: 1–128 printable ASCII characters without spaces. @internal */
export const KID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * One private key that signs the access tokens issued by the OAuth proxy (level 3) and the
 * authorization server (level 4). List several in `signingKeys` to rotate without downtime.
 *
 * **Rotation** (security catalog AS-03, F-06):
 * 1. Add the new key with `activateAt` = now + at least the JWKS cache age of your resource
 *    servers (10 minutes for jose's default). It is published in the JWKS at once but signs only
 *    from `activateAt`, so every verifier knows it before the first token it signs arrives.
 * 2. Give the old key a `retireAt` (the new key's `activateAt` or later). It stops signing then,
 *    and stays published for one maximum access-token lifetime more, so the tokens it signed
 *    keep verifying until they expire; then it disappears from the JWKS.
 * 3. Remove the old key from the configuration once it is no longer published.
 *
 * At any moment the key that signs is, among the keys whose `activateAt` has passed and whose
 * `retireAt` has not, the one activated most recently (ties: the first listed).
 *
 * @example
 * ```ts
 * signingKeys: [
 *   { privateKey: readFileSync('keys/2026-10.pem', 'utf8'), retireAt: 1_796_000_000 },
 *   { privateKey: JSON.parse(process.env.MCP_AUTH_SIGNING_KEY_NEXT!), activateAt: 1_796_000_000 },
 * ]
 * ```
 * @publicApi
 */
export class SigningKeyOptions {
  /**
   * The private key: a private JWK object (RSA ≥ 2048 bits, EC P-256 or P-384, OKP Ed25519,
   * with all its private members) or an unencrypted PKCS#8 PEM string
   * (`-----BEGIN PRIVATE KEY-----`). Symmetric (`oct`) keys are refused. Generate one with
   * `npx nestjs-mcp-auth keys generate`.
   */
  @IsDefined({ message: 'is required: a private JWK object or a PKCS#8 PEM string' })
  privateKey!: JWK | string;

  /**
   * Key id written in the `kid` header of every token the key signs and in the JWKS. Unique
   * among the configured keys; 1–128 printable ASCII characters without spaces.
   * @default the JWK's `kid`, else the RFC 7638 thumbprint (SHA-256) of the public key
   * @see RFC 7638
   */
  @IsOptional()
  @IsString()
  @Matches(KID_PATTERN, { message: 'must be 1-128 printable ASCII characters without spaces' })
  kid?: string;

  /**
   * Signing algorithm; it must suit the key (`RS256` or `PS256` for RSA, `ES256` for P-256,
   * `ES384` for P-384, `EdDSA` for Ed25519).
   * @default the JWK's `alg`, else RS256 for RSA, ES256 for P-256, ES384 for P-384, EdDSA for Ed25519
   * @see RFC 7518 §3.1, RFC 8037
   */
  @IsOptional() @IsIn(SIGNING_ALGORITHMS) alg?: SigningAlgorithm;

  /**
   * When the key starts signing, in seconds since the epoch. It is published in the JWKS
   * before that, as soon as it is configured (publish before sign).
   * @default undefined (signing as soon as it is configured, unless a later-activated key exists)
   */
  @IsOptional() @IsEpochSeconds() activateAt?: number;

  /**
   * When the key stops signing, in seconds since the epoch. It stays published for the maximum
   * access-token lifetime after that, then leaves the JWKS. Must be after `activateAt`.
   * @default undefined (never retired)
   */
  @IsOptional() @IsEpochSeconds() retireAt?: number;
}
