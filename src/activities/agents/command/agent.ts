import { constants as osConstants } from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDuration, parseDuration } from '../../../shared/duration';
import { guessMediaType } from '../../../store/artifacts';
import type { ArtifactRef } from '../../../shared/status';
import type { CommandAgentConfig } from '../../../config';
import { agentFailure, badInput, cancellation, describeIssues } from '../../failures';
import { startHeartbeat } from '../../heartbeat';
import { type Agent, defineAgent } from '../agent';
import { isDirectory } from '../toolbox/files';
import { childEnv, type Outcome, runInGroup } from '../toolbox/process-group';
import { lastLines } from '../toolbox/text';
import { createCapture, shares } from './capture';
import {
  type CommandAgentResult,
  CommandAgentInputSchema,
  CommandAgentOutputSchema,
  type CommandAgentSpec,
  CommandAgentSpecSchema,
} from './config';
import { render, type Scope } from './templating';
import { changedBetween, snapshot } from './workspace-diff';

/** Full output up to this size is saved as the `command-output.log` artifact; beyond it, head and tail. */
const LOG_ARTIFACT_CAP = 10 * 1024 * 1024;
const MAX_FILE_ARTIFACTS = 100;
/** While output flows, heartbeat at most this often; when the command is quiet, this often. */
const BEAT_MS = 1_000;
const QUIET_BEAT_MS = 5_000;

function spawnFailure(name: string, command: string, error: NodeJS.ErrnoException): Error {
  const fix = `install it on the worker's machine and put it on the worker's PATH, or set commandAgents.${name}.command in baton.config.yaml to its absolute path`;
  if (error.code === 'ENOENT')
    return badInput(`Command agent "${name}": command "${command}" was not found; ${fix}`);
  if (error.code === 'EACCES')
    return badInput(`Command agent "${name}": command "${command}" is not executable; ${fix}`);
  return badInput(
    `Command agent "${name}": command "${command}" could not be started (${error.code ?? error.message})`,
  );
}

/**
 * An agent that runs an external CLI (a coding agent, a build tool, a linter) in the run's workspace.
 * Args, prompt and env are templated from the phase input; the exit code, the bounded output and
 * the files the command changed (as artifacts) are the result.
 *
 * A retried phase runs the command again in the same workspace, after whatever an earlier attempt
 * left there, so the CLI should be idempotent in the workspace (or read `BATON_WORKFLOW_ID`,
 * `BATON_PHASE` and `BATON_ATTEMPT` to key its own side effects). Changed files are measured
 * against a snapshot taken at the start of each attempt.
 */
export function defineCommandAgent(spec: CommandAgentSpec): Agent {
  const parsed = CommandAgentSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new TypeError(`Command agent "${String(spec.name)}" is invalid: ${describeIssues(parsed.error)}`);
  }
  const config = parsed.data;
  const timeoutMs = parseDuration(config.timeout)!;
  const label = `Command agent "${config.name}"`;

  return defineAgent({
    name: config.name,
    description: config.description ?? `Runs \`${config.command}\` in the run's workspace.`,
    input: CommandAgentInputSchema,
    output: CommandAgentOutputSchema,
    async run(input, context): Promise<CommandAgentResult> {
      if (context.signal.aborted) throw cancellation(context.signal);
      const scope: Scope = {
        input,
        prompt: undefined,
        workspace: context.workspace,
        phase: context.phase,
        attempt: context.attempt,
      };
      scope.prompt =
        input.prompt ?? (config.prompt === undefined ? undefined : render(config.prompt, scope, 'prompt'));
      const args = config.args.map((arg, i) => render(arg, scope, `args[${i}]`));
      const extraEnv = Object.fromEntries(
        Object.entries(config.env).map(([k, v]) => [k, render(v, scope, `env.${k}`)]),
      );
      if (config.stdin === 'prompt' && scope.prompt === undefined) {
        throw badInput(
          `${label} has stdin: prompt but no prompt; set "prompt" in the phase input or in the command agent`,
        );
      }
      if (!(await isDirectory(context.workspace))) {
        throw agentFailure('Workspace', `${label}: workspace ${context.workspace} is not a directory`);
      }
      const env = childEnv({
        BATON_WORKFLOW_ID: context.workflowId,
        BATON_PHASE: context.phase,
        BATON_ATTEMPT: String(context.attempt),
        ...extraEnv,
      });

      const before = await snapshot(context.workspace);
      const stdout = createCapture(config.maxOutputBytes);
      const stderr = createCapture(config.maxOutputBytes);
      const log = createCapture(LOG_ARTIFACT_CAP);
      let lines = 0;
      let recent = '';
      const started = Date.now();
      const progress = () => ({
        command: config.command,
        bytes: stdout.total + stderr.total,
        lines,
        lastLine: lastLines(recent, 1, 200),
        elapsedMs: Date.now() - started,
      });
      const heartbeat = startHeartbeat(context.heartbeat, progress, {
        everyMs: QUIET_BEAT_MS,
        minMs: BEAT_MS,
      });
      context.log(`${label}: running ${config.command}`, { args: args.length, timeoutMs });
      heartbeat.beat();
      let outcome: Outcome;
      try {
        outcome = await runInGroup({
          command: config.command,
          args,
          cwd: context.workspace,
          env,
          stdin: config.stdin === 'prompt' ? scope.prompt : undefined,
          timeoutMs,
          signal: context.signal,
          onData(chunk, stream) {
            (stream === 'stdout' ? stdout : stderr).push(chunk);
            log.push(chunk);
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
            recent = (recent + chunk.subarray(-1024).toString('utf8')).slice(-2048);
            heartbeat.beat();
          },
        });
      } finally {
        heartbeat.stop();
      }
      const durationMs = Date.now() - started;
      if (outcome.spawnError) throw spawnFailure(config.name, config.command, outcome.spawnError);
      if (outcome.stoppedBy === 'cancel' || context.signal.aborted) throw cancellation(context.signal);

      const artifacts: ArtifactRef[] = [];
      let logNote = '';
      if (log.total > 0) {
        const ref = await context.saveArtifact({
          name: 'command-output.log',
          // runAgent redacts API keys from text artifacts and outputs (commands inherit the environment).
          content: log.render().text,
          mediaType: 'text/plain',
        });
        artifacts.push(ref);
        logNote = `\n(full output: ${ref.uri})`;
      }
      if (outcome.stoppedBy === 'timeout') {
        const tail = lastLines(log.render(8 * 1024).text, 20);
        throw agentFailure(
          'Timeout',
          `${label}: "${config.command}" timed out after ${formatDuration(timeoutMs)}; its process group was killed. Output ends with:\n${tail || '(no output)'}${logNote}`,
        );
      }
      const signalNumber = outcome.signal ? osConstants.signals[outcome.signal] : undefined;
      const exitCode = outcome.code ?? (signalNumber ? 128 + signalNumber : -1);
      const [outShare, errShare] = shares(stdout.total, stderr.total, config.maxOutputBytes);
      const out = stdout.render(outShare);
      const err = stderr.render(errShare);
      if (exitCode !== 0 && config.failOnNonZero) {
        const tail = lastLines(err.text, 20) || lastLines(out.text, 20);
        const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${exitCode}`;
        throw agentFailure(
          'CommandFailed',
          `${label}: "${config.command}" ${how} after ${formatDuration(durationMs)}. ${err.text.trim() ? 'stderr' : 'Output'} ends with:\n${tail || '(no output)'}${logNote}`,
        );
      }

      const after = await snapshot(context.workspace);
      const changedFiles = changedBetween(before, after);
      for (const file of changedFiles) {
        const state = after.get(file)!;
        if (state.sha256 === undefined || artifacts.length > MAX_FILE_ARTIFACTS) {
          context.log(`${label}: ${file} changed but is not saved as an artifact`, { bytes: state.size });
          continue;
        }
        const content = await readFile(path.join(context.workspace, file)).catch(() => undefined);
        if (content === undefined) continue; // removed since the snapshot
        artifacts.push(await context.saveArtifact({ name: file, content, mediaType: guessMediaType(file) }));
      }
      context.log(`${label}: ${config.command} exited ${exitCode}`, {
        durationMs,
        changedFiles: changedFiles.length,
      });
      return {
        exitCode,
        ...(outcome.signal ? { signal: outcome.signal } : {}),
        stdout: out.text,
        stderr: err.text,
        truncated: out.truncated || err.truncated,
        durationMs,
        changedFiles,
        artifacts,
      };
    },
  });
}

/** The agents of a config file's `commandAgents` map, each named by its key. */
export function defineCommandAgents(configs: Record<string, CommandAgentConfig>): Agent[] {
  return Object.entries(configs).map(([name, config]) => defineCommandAgent({ ...config, name }));
}
