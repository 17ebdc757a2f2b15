import { describe, expect, it } from 'vitest';
import { parseRemoteUrl } from '../../src/github/remote';

describe('parseRemoteUrl', () => {
  const acme = { host: 'github.com', owner: 'acme', repo: 'library' };

  it.each([
    'https://github.com/acme/library.git',
    'https://github.com/acme/library',
    'https://github.com/acme/library/',
    'https://user:secret@github.com/acme/library.git',
    'http://github.com/acme/library.git',
    'git@github.com:acme/library.git',
    'git@github.com:acme/library',
    'github.com:acme/library.git',
    'ssh://git@github.com/acme/library.git',
    'ssh://git@github.com:22/acme/library',
    'git+ssh://git@github.com/acme/library.git',
    'git://github.com/acme/library.git',
    '  https://GitHub.com/acme/library.git\n',
  ])('reads %j as acme/library on github.com', (url) => {
    expect(parseRemoteUrl(url)).toEqual(acme);
  });

  it('keeps GitHub Enterprise hosts, with the port of a web URL', () => {
    expect(parseRemoteUrl('https://github.example.com/platform/api-server.git')).toEqual({
      host: 'github.example.com',
      owner: 'platform',
      repo: 'api-server',
    });
    expect(parseRemoteUrl('https://ghe.internal:8443/platform/api.git')).toEqual({
      host: 'ghe.internal:8443',
      owner: 'platform',
      repo: 'api',
    });
    expect(parseRemoteUrl('ssh://git@ghe.internal:2222/platform/api.git')).toEqual({
      host: 'ghe.internal',
      owner: 'platform',
      repo: 'api',
    });
    expect(parseRemoteUrl('git@ghe.internal:platform/my.repo.git')).toEqual({
      host: 'ghe.internal',
      owner: 'platform',
      repo: 'my.repo',
    });
  });

  it.each([
    '/srv/git/library.git',
    './library',
    'file:///srv/git/library.git',
    'C:/repos/library',
    'https://github.com/acme',
    'https://github.com/acme/library/tree/main',
    'git@github.com:acme/library/extra.git',
    'https://github.com/acme/lib%20rary.git',
    'ftp://github.com/acme/library.git',
    '',
    'not a url',
  ])('refuses %j: it names no GitHub repository', (url) => {
    expect(parseRemoteUrl(url)).toBeUndefined();
  });
});
