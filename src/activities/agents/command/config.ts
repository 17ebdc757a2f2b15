/** A command agent's definition (its config entry plus its name), input and output. */
import { z } from 'zod';
import { CommandAgentConfigSchema } from '../../../config';

export const CommandAgentSpecSchema = CommandAgentConfigSchema.extend({ name: z.string().min(1) });
export type CommandAgentSpec = z.input<typeof CommandAgentSpecSchema>;

export { CommandAgentInputSchema } from '../../../shared/agent-inputs';

const ArtifactRefSchema = z.object({
  uri: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  mediaType: z.string(),
  name: z.string(),
});

export const CommandAgentOutputSchema = z.object({
  exitCode: z.number().int(),
  /** The signal that ended the command, when one did. */
  signal: z.string().optional(),
  stdout: z.string(),
  stderr: z.string(),
  /** Whether stdout or stderr lost their middle to the `maxOutputBytes` bound. */
  truncated: z.boolean(),
  durationMs: z.number(),
  /** Workspace files the command created or modified (content changed), sorted. */
  changedFiles: z.array(z.string()),
  artifacts: z.array(ArtifactRefSchema),
});
export type CommandAgentResult = z.infer<typeof CommandAgentOutputSchema>;
