/** `baton serve token <user>`: mints a token, prints it once, and the config lines with its hash. */
import type { Command } from 'commander';
import { BatonError } from '../../client/errors';
import { PRINCIPAL } from '../../shared/governance';
import { mintToken } from './tokens';

export function tokenLines(user: string, minted = mintToken()): string[] {
  return [
    `token for ${user} (shown once; give it to ${user} and keep it secret):`,
    '',
    `  ${minted.token}`,
    '',
    'add this to baton.config.yaml (only the hash is stored):',
    '',
    'server:',
    '  users:',
    `    ${user}:`,
    `      tokenSha256: ${minted.tokenSha256}`,
  ];
}

export function addTokenCommand(serve: Command): void {
  serve
    .command('token <user>')
    .description(
      'mint a login token for a user of baton serve; prints it once, and the config line with its sha256',
    )
    .action((user: string) => {
      if (!PRINCIPAL.test(user))
        throw new BatonError(
          `user ${JSON.stringify(user)} is not a user name; use letters, digits and . _ @ + - (such as alice), as in roles`,
        );
      console.log(tokenLines(user).join('\n'));
    });
}
