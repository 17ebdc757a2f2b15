import type { Command } from 'commander';
import { CODEC_KEYS_VARIABLE, CodecKeyError, codecKeysFromEnv, createEncryptionCodec } from '../../codec';
import {
  checkCodecServerSettings,
  CODEC_TOKEN_VARIABLE,
  createCodecServer,
  DEFAULT_ALLOWED_ORIGIN,
  listenCodecServer,
  CodecServerError,
} from '../../codec/server';
import { collect } from './support';

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CodecServerError(
      `--port ${text} is not a port number.`,
      'Pass --port with a number from 1 to 65535 (0 picks a free one).',
    );
  return port;
}

/**
 * `baton codec-server`: decrypts (and encrypts) payloads for the Temporal Web UI and CLI, with the
 * keys in BATON_CODEC_KEYS, for whoever holds BATON_CODEC_TOKEN. Runs until SIGINT or SIGTERM.
 */
export function addCodecCommand(program: Command): void {
  program
    .command('codec-server')
    .description(
      `serve Temporal's codec server protocol so the Web UI and \`temporal --codec-endpoint\` can read encrypted runs (keys from ${CODEC_KEYS_VARIABLE}, token from ${CODEC_TOKEN_VARIABLE})`,
    )
    .option('--port <port>', 'port to listen on', '8888')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--allow-origin <origin>',
      `a browser origin that may call it, repeatable (default: the dev server's Web UI, ${DEFAULT_ALLOWED_ORIGIN})`,
      collect,
      [],
    )
    .option('--no-auth', `serve without ${CODEC_TOKEN_VARIABLE} (loopback hosts only)`)
    .action(async (opts: { port: string; host: string; allowOrigin: string[]; auth: boolean }) => {
      const port = parsePort(opts.port);
      const token = process.env[CODEC_TOKEN_VARIABLE];
      checkCodecServerSettings({ host: opts.host, port, noAuth: !opts.auth, token });
      const ring = codecKeysFromEnv(process.env);
      if (!ring)
        throw new CodecKeyError(
          `${CODEC_KEYS_VARIABLE} is not set, so the codec server has no key to decrypt with.`,
          `Set ${CODEC_KEYS_VARIABLE} to the same keys as the workers ("k2:<base64>,k1:<base64>").`,
        );
      const allowOrigins = opts.allowOrigin.length ? opts.allowOrigin : [DEFAULT_ALLOWED_ORIGIN];
      const server = createCodecServer({
        codec: createEncryptionCodec(ring),
        ...(opts.auth ? { token } : {}),
        allowOrigins,
      });
      const { url, close } = await listenCodecServer(server, opts.host, port);
      console.log(
        `Codec server on ${url} (keys ${[...ring.byId.keys()].join(', ')}; encrypting with ${ring.encrypting.id}; ` +
          `${opts.auth ? `token from ${CODEC_TOKEN_VARIABLE}` : 'no auth'}; browser origins ${allowOrigins.join(', ')})`,
      );
      console.log(
        `  temporal workflow show -w <run> --codec-endpoint ${url}${opts.auth ? ` --codec-auth "Bearer $${CODEC_TOKEN_VARIABLE}"` : ''}`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
