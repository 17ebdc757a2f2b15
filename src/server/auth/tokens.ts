/**
 * `baton serve`'s tokens: random, high-entropy, shown once when minted and kept only as their
 * sha256 in baton.config (`server.users.<user>.tokenSha256`). A presented token is hashed and
 * compared with every user's hash in constant time, so neither the match nor its position leaks.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What every minted token starts with, so a leaked one is easy to recognise (and to scan for). */
export const TOKEN_PREFIX = 'baton_';
/** No real token is longer; a longer header is refused before any hashing. */
const MAX_TOKEN_CHARS = 512;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new token (256 random bits) and the hash to put in the config. */
export function mintToken(): { token: string; tokenSha256: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, tokenSha256: hashToken(token) };
}

export interface TokenUser {
  user: string;
  hash: Buffer;
}

/** The users of a `server.users` map, with their hashes as bytes. */
export const tokenUsers = (users: Record<string, { tokenSha256: string }>): TokenUser[] =>
  Object.entries(users).map(([user, { tokenSha256 }]) => ({ user, hash: Buffer.from(tokenSha256, 'hex') }));

/** The user whose token this is, or undefined. Every hash is compared, whatever matched. */
export function userOfToken(users: readonly TokenUser[], token: string): string | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS) return undefined;
  const given = Buffer.from(hashToken(token), 'hex');
  let found: string | undefined;
  for (const { user, hash } of users) if (timingSafeEqual(given, hash) && found === undefined) found = user;
  return found;
}
