/** What the requirements reader returns, as zod schemas: the api-spec agent's output reuses them. */
import { z } from 'zod';
import { FIELD_TYPES } from './openapi';

export const ReadFieldSchema = z.object({
  name: z.string(),
  type: z.enum(FIELD_TYPES),
  format: z.enum(['date', 'date-time']).optional(),
  required: z.boolean(),
  /** The words it came from. */
  from: z.string(),
});

export const ReadRelationSchema = z.object({
  /** The resource it points to (plural), e.g. `members`. */
  to: z.string(),
  /** The field that holds it, e.g. `memberId`. */
  field: z.string(),
  from: z.string(),
});

export const ReadResourceSchema = z.object({
  /** Plural, kebab-case path segment: `books`, `order-items`. */
  name: z.string(),
  fields: z.array(ReadFieldSchema),
  relations: z.array(ReadRelationSchema),
  from: z.string(),
});

export const ReadingSchema = z.object({
  resources: z.array(ReadResourceSchema),
  /** Login, sign-in, authentication or tokens are mentioned: the spec gets `POST /auth/login`. */
  auth: z.boolean(),
  authFrom: z.string().optional(),
  /** Nouns only referenced ("links a book to a member": members), not resources of their own. */
  referenced: z.array(z.object({ name: z.string(), by: z.string(), from: z.string() })),
  /** Phrases the reader could not use, with why. */
  ignored: z.array(z.object({ words: z.string(), why: z.string() })),
  /** The service name the text suggests, e.g. `library-service`. */
  service: z.object({ name: z.string(), from: z.string() }).optional(),
});

export type ReadField = z.infer<typeof ReadFieldSchema>;
export type ReadRelation = z.infer<typeof ReadRelationSchema>;
export type ReadResource = z.infer<typeof ReadResourceSchema>;
export type Reading = z.infer<typeof ReadingSchema>;
