/**
 * The console's login sessions: a random id in an HttpOnly, SameSite=Strict cookie, mapped to the
 * user on the server. Logging out deletes the entry, so a copied cookie stops working at once; a
 * restart of the server logs everyone out. Bounded: the oldest session goes when it is full.
 */
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'baton_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export interface SessionStore {
  create(user: string): { id: string; maxAgeSeconds: number };
  userOf(id: string | undefined): string | undefined;
  delete(id: string | undefined): void;
}

export function createSessionStore(ttlMs = SESSION_TTL_MS, now: () => number = Date.now): SessionStore {
  // A Map keeps insertion order: the first entry is the oldest.
  const sessions = new Map<string, { user: string; expires: number }>();
  return {
    create(user) {
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { user, expires: now() + ttlMs });
      return { id, maxAgeSeconds: Math.floor(ttlMs / 1000) };
    },
    userOf(id) {
      const session = id ? sessions.get(id) : undefined;
      if (!session) return undefined;
      if (session.expires > now()) return session.user;
      sessions.delete(id as string);
      return undefined;
    },
    delete(id) {
      if (id) sessions.delete(id);
    },
  };
}
