import type { z } from 'zod';
import { fieldMessage } from '../shared/messages';
import type { RunStatus, RunSummary } from '../shared/status';
import {
  ArtifactInputSchema,
  ArtifactsInputSchema,
  AuditInputSchema,
  DecideInputSchema,
  PrInputSchema,
  RunRefSchema,
  RunsInputSchema,
  StartInputSchema,
  ValidateInputSchema,
  WaitInputSchema,
  type ArtifactContent,
  type ArtifactInput,
  type ArtifactListing,
  type ArtifactsInput,
  type AuditInput,
  type AuditReport,
  type DecideInput,
  type DecideOutcome,
  type InboxItem,
  type PrInput,
  type PrResult,
  type RunListing,
  type RunRef,
  type RunsInput,
  type StartInput,
  type StartResult,
  type TemplateInfo,
  type ValidateInput,
  type ValidateResult,
} from './api-schemas';
import { auditRun, auditSince, sinceQuery } from './audit';
import {
  BatchApproveInputSchema,
  batchApprove,
  checkBatchInput,
  type BatchApproveInput,
  type BatchApproveResult,
} from './batch-approve';
import { connect, type Baton, type ConnectOptions } from './connect';
import { decide } from './decide';
import { InvalidInputError } from './errors';
import { inbox } from './inbox';
import { checkDecision, checkRunIdArg } from './inputs';
import { readArtifact } from './local';
import { cancelRun, getStatus } from './run-info';
import { monitorApi, type MonitorApi } from './monitor';
import { listRuns } from './run-list';
import { openRunPullRequest } from './pull-request';
import { listArtifacts, prepareRun, startPrepared, waitForResult, type WaitOptions } from './runs';
import { listTemplates } from './templates';

export {
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleCreateInput,
  type ScheduleListing,
} from './schedules';
export { renderReportMarkdown, runReport, type RunReport } from './report';

/**
 * Baton's client API: every operation a front door (the CLI, a web console, an MCP server) offers,
 * with no transport of its own. Inputs are parsed through their schemas here; failures are
 * BatonErrors with a `hint`. Nothing here prints, reads stdin or exits.
 */
export interface BatonApi extends MonitorApi {
  /** Resolves, validates (every problem at once) and starts a run. Checks all it can before connecting. */
  start(input: StartInput): Promise<StartResult>;
  /** What `start` would send, checked without a server. */
  validate(input: ValidateInput): Promise<ValidateResult>;
  status(input: RunRef): Promise<RunStatus>;
  /** Waits for the run to end; `onStall` is told once if no worker answers it meanwhile. */
  wait(input: WaitInput, options?: Pick<WaitOptions, 'onStall'>): Promise<RunSummary>;
  decide(input: DecideInput): Promise<DecideOutcome>;
  /** Approves every matching open `approval` gate across runs (`dryRun`: says which it would). */
  batchApprove(input: BatchApproveInput): Promise<BatchApproveResult>;
  /** Open gates across all runs. */
  inbox(): Promise<InboxItem[]>;
  cancel(input: RunRef): Promise<void>;
  runs(input?: RunsInput): Promise<RunListing[]>;
  artifacts(input: ArtifactsInput): Promise<ArtifactListing[]>;
  /** One artifact's bytes from the store. */
  artifact(input: ArtifactInput): Promise<ArtifactContent>;
  templates(): Promise<TemplateInfo[]>;
  /** Pushes a `--repo` run's branch and opens its pull request (GITHUB_TOKEN), or reports the open one. */
  pr(input: PrInput): Promise<PrResult>;
  /** What happened in a run, or in every run since a time, read from history (no worker needed). */
  audit(input: AuditInput): Promise<AuditReport>;
  /** Closes the connection, if one was opened. */
  close(): Promise<void>;
}

type WaitInput = z.input<typeof WaitInputSchema>;

export interface ApiOptions extends ConnectOptions {
  /** An open connection to use (the caller closes it); else one is opened on first need. */
  baton?: Baton;
}

/** Parses an operation's input, or throws InvalidInputError naming each bad field. */
function parse<S extends z.ZodType>(schema: S, input: unknown, operation: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    `Invalid input to ${operation}: ${parsed.error.issues.map(fieldMessage).join('; ')}`,
    { hint: `See the ${operation} input schema in src/client/api-schemas.ts.` },
  );
}

/** A run id as the API takes it: the schema's shape, then the id rules (empty, too long). */
function runId<T extends { id: string }>(schema: z.ZodType<T>, input: unknown, operation: string): T {
  const parsed = parse(schema, input, operation);
  checkRunIdArg(parsed.id);
  return parsed;
}

/** The client API over a connection that is opened lazily, so offline operations never need one. */
export function createApi(options: ApiOptions = {}): BatonApi {
  let opened: Promise<Baton> | undefined;
  const baton = () => (options.baton ? Promise.resolve(options.baton) : (opened ??= connect(options)));
  return {
    ...monitorApi(baton),
    async start(input) {
      const prepared = await prepareRun(parse(StartInputSchema, input, 'start'));
      return startPrepared(await baton(), prepared);
    },
    async validate(input) {
      const { definition, params, bytes } = await prepareRun(parse(ValidateInputSchema, input, 'validate'));
      return { valid: true, definition, params, bytes };
    },
    async status(input) {
      const { id } = runId(RunRefSchema, input, 'status');
      return getStatus(await baton(), id);
    },
    async wait(input, waitOptions = {}) {
      const { id, stallCheckMs } = runId(WaitInputSchema, input, 'wait');
      return waitForResult(await baton(), id, { ...waitOptions, stallCheckMs });
    },
    async decide(input) {
      const { id, decision, ...rest } = runId(DecideInputSchema, input, 'decide');
      // Refused before connecting: a decision that would forge or bloat the record never leaves.
      checkDecision(decision, rest.labels);
      return decide(await baton(), id, decision, rest);
    },
    async batchApprove(input) {
      // Parsed before connecting: a bad filter or `by` is refused with nothing listed or sent.
      const parsed = parse(BatchApproveInputSchema, input, 'batchApprove');
      checkBatchInput(parsed);
      return batchApprove(await baton(), parsed);
    },
    async inbox() {
      return inbox(await baton());
    },
    async cancel(input) {
      const { id } = runId(RunRefSchema, input, 'cancel');
      await cancelRun(await baton(), id);
    },
    async runs(input = {}) {
      return listRuns(await baton(), parse(RunsInputSchema, input, 'runs'));
    },
    async artifacts(input) {
      const { id, phase } = runId(ArtifactsInputSchema, input, 'artifacts');
      return listArtifacts(await baton(), id, phase);
    },
    async artifact(input) {
      const { uri } = parse(ArtifactInputSchema, input, 'artifact');
      return { uri, bytes: await readArtifact(uri) };
    },
    templates: () => listTemplates(),
    async pr(input) {
      return openRunPullRequest(await baton(), runId(PrInputSchema, input, 'pr'));
    },
    async audit(input) {
      const { id, since, template, limit } = parse(AuditInputSchema, input, 'audit');
      if (id !== undefined) {
        checkRunIdArg(id);
        return auditRun(await baton(), id);
      }
      // Checked before connecting: a bad --since never waits on a server.
      const query = sinceQuery({ since: since as string, template, limit });
      return auditSince(await baton(), query);
    },
    async close() {
      if (!opened) return;
      const open = await opened.catch(() => undefined);
      opened = undefined;
      await open?.close();
    },
  };
}
