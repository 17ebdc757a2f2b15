import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from './messages';
import { HintedError } from './hinted-error';

/**
 * Where Temporal is and how to talk to it, for the client, the worker and the dev tooling alike.
 * Pure: it reads the environment object it is given (the caller passes `process.env`), and the TLS
 * files through the reader it is given, so it stays importable from every layer.
 */

/** The environment variables read here; the Temporal CLI reads the same names. */
const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().optional(),
  BATON_TASK_QUEUE: z.string().optional(),
  TEMPORAL_TLS: z.string().optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
});
type Env = z.infer<typeof EnvSchema>;

export const TlsSettingsSchema = z.object({
  /** Client certificate and key files (mTLS), both or neither. */
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  /** The server's root CA file, when the OS does not trust its certificate. */
  caFile: z.string().optional(),
  serverName: z.string().optional(),
});
export type TlsSettings = z.infer<typeof TlsSettingsSchema>;

export const TemporalSettingsSchema = z.object({
  address: z.string().min(1),
  namespace: z.string().min(1),
  taskQueue: z.string().min(1),
  /** Absent: plaintext (a dev server). Present: TLS, with these files if any. */
  tls: TlsSettingsSchema.optional(),
  /** Temporal Cloud API key; implies TLS. */
  apiKey: z.string().optional(),
});
export type TemporalSettings = z.infer<typeof TemporalSettingsSchema>;

/** A setting that cannot work as given; `hint` says what to change. */
export class TemporalSettingsError extends HintedError {
  override name = 'TemporalSettingsError';
}

const DEFAULTS = { address: 'localhost:7233', namespace: 'default', taskQueue: DEFAULT_TASK_QUEUE } as const;

const nonEmpty = (value: string | undefined) =>
  value === undefined || value.trim() === '' ? undefined : value;

function tlsFlag(text: string | undefined): boolean | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new TemporalSettingsError(
    `TEMPORAL_TLS="${text}" is neither true nor false.`,
    'Set TEMPORAL_TLS=true to use TLS without client certificates, or unset it.',
  );
}

function tlsFrom(env: Env): TlsSettings | undefined {
  const certFile = nonEmpty(env.TEMPORAL_TLS_CERT);
  const keyFile = nonEmpty(env.TEMPORAL_TLS_KEY);
  const caFile = nonEmpty(env.TEMPORAL_TLS_CA);
  const serverName = nonEmpty(env.TEMPORAL_TLS_SERVER_NAME);
  if (certFile && !keyFile)
    throw new TemporalSettingsError(
      `TEMPORAL_TLS_CERT is set (${certFile}) but TEMPORAL_TLS_KEY is not.`,
      'A client certificate needs its private key: set TEMPORAL_TLS_KEY to the key file, or unset TEMPORAL_TLS_CERT.',
    );
  if (keyFile && !certFile)
    throw new TemporalSettingsError(
      `TEMPORAL_TLS_KEY is set (${keyFile}) but TEMPORAL_TLS_CERT is not.`,
      'A private key needs its client certificate: set TEMPORAL_TLS_CERT to the certificate file, or unset TEMPORAL_TLS_KEY.',
    );
  const flag = tlsFlag(env.TEMPORAL_TLS);
  const wanted = Boolean(certFile || caFile || serverName || nonEmpty(env.TEMPORAL_API_KEY));
  if (flag === false && wanted)
    throw new TemporalSettingsError(
      'TEMPORAL_TLS=false, but TLS files, a server name or TEMPORAL_API_KEY are set.',
      'Unset TEMPORAL_TLS (they turn TLS on), or unset the TEMPORAL_TLS_* and TEMPORAL_API_KEY variables.',
    );
  if (!wanted && !flag) return undefined;
  return {
    ...(certFile ? { certFile, keyFile } : {}),
    ...(caFile ? { caFile } : {}),
    ...(serverName ? { serverName } : {}),
  };
}

/**
 * The settings from `env` (pass `process.env`), with `overrides` (say a test's task queue, or the
 * address of the dev server `baton dev` started) taking precedence. Throws TemporalSettingsError
 * naming the variable when one is unusable, e.g. a certificate without its key.
 */
export function temporalSettings(
  env: Record<string, string | undefined>,
  overrides: Partial<TemporalSettings> = {},
): TemporalSettings {
  const parsed = EnvSchema.parse(env);
  const apiKey = overrides.apiKey ?? nonEmpty(parsed.TEMPORAL_API_KEY);
  const tls = 'tls' in overrides ? overrides.tls : tlsFrom(parsed);
  return {
    address: overrides.address ?? nonEmpty(parsed.TEMPORAL_ADDRESS) ?? DEFAULTS.address,
    namespace: overrides.namespace ?? nonEmpty(parsed.TEMPORAL_NAMESPACE) ?? DEFAULTS.namespace,
    taskQueue: overrides.taskQueue ?? nonEmpty(parsed.BATON_TASK_QUEUE) ?? DEFAULTS.taskQueue,
    ...(tls || apiKey ? { tls: tls ?? {} } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** Settings for a local dev server: same namespace and task queue, plaintext, no API key. */
export function plaintextAt(settings: TemporalSettings, address: string): TemporalSettings {
  const { tls: _tls, apiKey: _apiKey, ...rest } = settings;
  return { ...rest, address };
}

/** How the connection is secured, for messages: "plaintext", "TLS", "mTLS (cert …)", "TLS + API key". */
export function describeSecurity(settings: TemporalSettings): string {
  if (!settings.tls) return 'plaintext';
  const parts = [settings.tls.certFile ? `mTLS with TEMPORAL_TLS_CERT=${settings.tls.certFile}` : 'TLS'];
  if (settings.tls.caFile) parts.push(`TEMPORAL_TLS_CA=${settings.tls.caFile}`);
  if (settings.apiKey) parts.push('TEMPORAL_API_KEY');
  return parts.join(', ');
}

/** The TLS part of Temporal's connection options (client and worker take the same shape). */
export interface ConnectionSecurity {
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Uint8Array;
    clientCertPair?: { crt: Uint8Array; key: Uint8Array };
  };
  apiKey?: string;
}

/**
 * The `tls` and `apiKey` options for `Connection.connect` and `NativeConnection.connect`. The files
 * are read through `read` (pass `readFileSync`); one that cannot be read is named with its variable.
 */
export function connectionSecurity(
  settings: TemporalSettings,
  read: (path: string) => Uint8Array,
): ConnectionSecurity {
  const { tls, apiKey } = settings;
  if (!tls) return {};
  const file = (variable: string, path: string) => {
    try {
      return read(path);
    } catch (cause) {
      throw new TemporalSettingsError(
        `${variable}=${path} cannot be read: ${(cause as Error).message}`,
        `Point ${variable} at a readable PEM file, or unset it.`,
        { cause },
      );
    }
  };
  return {
    tls: {
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.caFile ? { serverRootCACertificate: file('TEMPORAL_TLS_CA', tls.caFile) } : {}),
      ...(tls.certFile && tls.keyFile
        ? {
            clientCertPair: {
              crt: file('TEMPORAL_TLS_CERT', tls.certFile),
              key: file('TEMPORAL_TLS_KEY', tls.keyFile),
            },
          }
        : {}),
    },
    ...(apiKey ? { apiKey } : {}),
  };
}
