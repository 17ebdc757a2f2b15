/**
 * `server:` in baton.config (issue 13): who may use `baton serve` (the REST API, the console,
 * /mcp). Each user has a token, stored only as its sha256; `baton serve token <user>` mints one.
 * Roles come from the top-level `roles` map, as for gate approvers.
 */
import { z } from 'zod';
import { HEX64, PRINCIPAL } from '../shared/governance';

export const ServerUserSchema = z.strictObject({
  tokenSha256: z.string().regex(HEX64, {
    error:
      'tokenSha256 is the sha256 of the token as 64 lower-case hex digits, never the token itself; mint one with `baton serve token <user>`',
  }),
});

export const ServerConfigSchema = z.strictObject({
  /** user name → the sha256 of their token. */
  users: z
    .record(
      z.string().regex(PRINCIPAL, { error: 'user names are letters, digits and . _ @ + - (such as alice)' }),
      ServerUserSchema,
    )
    .optional(),
  /** Let anyone read (runs, inbox, artifacts) without a token; writes still need one. */
  publicRead: z.boolean().optional(),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;
