import { z } from 'zod';

/** The projects the built-in codegen writes and the build agent knows how to check. */
export const TargetSchema = z.enum(['node-express', 'java-springboot', 'node-module']);
export type Target = z.infer<typeof TargetSchema>;
