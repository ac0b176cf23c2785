export {
  SigningKeyOptions,
  SIGNING_ALGORITHMS,
  MAX_EPOCH_SECONDS,
  type SigningAlgorithm,
} from './signing-key-options.js';
export { validateSigningKeyOptions } from './validate-signing-key-options.js';
export {
  SigningKeySet,
  type SigningKeySetContext,
  type PublishedJwk,
  type PublishedJwks,
  type ActiveSigningKey,
} from './signing-key-set.js';
export { AccessTokenSigner, ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './access-token-signer.js';
export { NoActiveSigningKeyError } from './keys.errors.js';
export { newJti } from './jti.util.js';
