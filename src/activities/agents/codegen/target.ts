import { type z } from 'zod';

/** The projects the built-in codegen writes and the build agent knows how to check. */
export { CodegenTargetSchema as TargetSchema } from '../../../shared/agent-inputs';
import { type CodegenTargetSchema as TargetSchema } from '../../../shared/agent-inputs';
export type Target = z.infer<typeof TargetSchema>;
