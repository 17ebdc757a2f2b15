/**
 * The webhook signature: GitHub's scheme, so receivers can reuse what they already have.
 * `X-Baton-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` (docs/notifications.md shows
 * how a receiver checks it).
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Baton-Signature-256';

/** The header's value for this exact body (the bytes sent; a re-serialised body would not match). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
