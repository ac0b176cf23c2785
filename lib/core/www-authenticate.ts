/**
 * Parameters of an RFC 6750 `Bearer` challenge as MCP clients expect it.
 */
export interface BearerChallenge {
  /** RFC 6750 error code; omitted when the request carried no credentials (§3.1). */
  error?: string;
  /** Human-readable description (already restricted to the RFC 6750 charset). */
  errorDescription?: string;
  /** Scopes the operation needs (MCP: "SHOULD include scope"). */
  scopes?: readonly string[];
  /** RFC 9728 §5.1 protected-resource metadata URL. */
  resourceMetadata?: string;
}

/**
 * Builds a `WWW-Authenticate: Bearer …` header value. Every value is a quoted-string with `"` and
 * `\` escaped and control characters removed, so nothing a client sends (or a misconfigured URL)
 * can add or break auth-params (security catalog T-08).
 */
export function buildBearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.error) params.push(`error=${quote(challenge.error)}`);
  if (challenge.errorDescription) {
    params.push(`error_description=${quote(challenge.errorDescription)}`);
  }
  if (challenge.resourceMetadata) {
    params.push(`resource_metadata=${quote(challenge.resourceMetadata)}`);
  }
  if (challenge.scopes && challenge.scopes.length > 0) {
    params.push(`scope=${quote(challenge.scopes.join(' '))}`);
  }
  return params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer';
}

function quote(value: string): string {
  // Printable ASCII only: control characters could split the header, and Node refuses header
  // values outside Latin-1 (a 500 instead of the challenge).
  const printable = value.replace(/[^\x20-\x7e]/g, '');
  return `"${printable.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
