import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received (dropped ones too: they never got an answer). */
export interface GitHubRequest {
  method: string;
  /** Path and query, e.g. `/repos/acme/library/pulls?head=acme%3Abaton%2Fx&state=open`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  dropped?: true;
}

export interface FakePull {
  number: number;
  html_url: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open';
}

/** Switches a test flips to provoke a failure. */
export interface FakeGitHubSwitches {
  /** Answer every request 401 Bad credentials. */
  unauthorized: boolean;
  /** Destroy the socket of this many of the next requests without answering (a network failure). */
  dropConnections: number;
  /** Answer this many of the next requests with this status (e.g. 503), headers and body. */
  fail: { count: number; status: number; headers?: Record<string, string>; body?: unknown };
}

export interface FakeGitHub {
  /** `http://127.0.0.1:<port>`: what GITHUB_API_URL points at. */
  url: string;
  token: string;
  requests: GitHubRequest[];
  pulls: FakePull[];
  switches: FakeGitHubSwitches;
  /** The bare repository a pull request's head must have been pushed to (a test may point it elsewhere). */
  remoteDir: string | undefined;
  /** Issues `GET /repos/{owner}/{repo}/issues/{n}` answers, by number (the API's JSON shape). */
  issues: Record<number, unknown>;
  /** Files `GET /repos/{owner}/{repo}/pulls/{n}/files` answers, by pull number. */
  pullFiles: Record<number, Array<{ filename: string; status: string; patch?: string }>>;
  close(): Promise<void>;
}

const send = (res: import('node:http').ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/**
 * The part of GitHub's REST API a pull request needs, over real HTTP on 127.0.0.1: `GET
 * /repos/{owner}/{repo}`, `POST /repos/{owner}/{repo}/pulls` (422 when one is open for the head
 * already, or when the head branch is not in `remoteDir`, as GitHub does), and `GET
 * /repos/{owner}/{repo}/pulls?head=owner:branch&state=open`. Only `owner/repo` exists.
 */
export async function startFakeGitHub(options: {
  owner: string;
  repo: string;
  /** The bare repository the remote URL leads to: a pull request's head must have been pushed there. */
  remoteDir?: string;
  token?: string;
  defaultBranch?: string;
}): Promise<FakeGitHub> {
  const token = options.token ?? 'test-token';
  const requests: GitHubRequest[] = [];
  const pulls: FakePull[] = [];
  const switches: FakeGitHubSwitches = {
    unauthorized: false,
    dropConnections: 0,
    fail: { count: 0, status: 503 },
  };
  const repoPath = `/repos/${options.owner}/${options.repo}`;
  const fake: FakeGitHub = {
    url: '',
    token,
    requests,
    pulls,
    switches,
    remoteDir: options.remoteDir,
    issues: {},
    pullFiles: {},
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const pushed = (branch: string) => {
    if (!options.remoteDir) return true;
    try {
      execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
        cwd: options.remoteDir,
      });
      return true;
    } catch {
      return false;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // kept as text
      }
      const request: GitHubRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
      };
      requests.push(request);
      if (switches.dropConnections > 0) {
        switches.dropConnections--;
        request.dropped = true;
        req.socket.destroy();
        return;
      }
      if (switches.fail.count > 0) {
        switches.fail.count--;
        return send(
          res,
          switches.fail.status,
          switches.fail.body ?? { message: 'Service Unavailable' },
          switches.fail.headers,
        );
      }
      if (switches.unauthorized || req.headers.authorization !== `Bearer ${token}`)
        return send(res, 401, {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
        });
      const url = new URL(request.path, 'http://fake');
      if (req.method === 'GET' && url.pathname === repoPath)
        return send(res, 200, {
          full_name: `${options.owner}/${options.repo}`,
          default_branch: options.defaultBranch ?? 'main',
        });
      if (url.pathname === `${repoPath}/pulls` && req.method === 'GET') {
        const head = url.searchParams.get('head') ?? '';
        return send(
          res,
          200,
          pulls.filter((p) => `${options.owner}:${p.head}` === head),
        );
      }
      if (url.pathname === `${repoPath}/pulls` && req.method === 'POST') {
        const pr = body as Partial<FakePull>;
        if (!pr.head || !pr.base || !pr.title)
          return send(res, 422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'missing_field' }],
          });
        if (pulls.some((p) => p.head === pr.head))
          return send(res, 422, {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'PullRequest',
                code: 'custom',
                message: `A pull request already exists for ${options.owner}:${pr.head}.`,
              },
            ],
          });
        if (!pushed(pr.head))
          return send(res, 422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
          });
        const number = pulls.length + 1;
        const made: FakePull = {
          number,
          html_url: `https://github.com/${options.owner}/${options.repo}/pull/${number}`,
          head: pr.head,
          base: pr.base,
          title: pr.title,
          body: pr.body ?? '',
          draft: pr.draft ?? false,
          state: 'open',
        };
        pulls.push(made);
        return send(res, 201, made);
      }
      const issue = new RegExp(`^${repoPath}/issues/(\\d+)$`).exec(url.pathname);
      if (issue && req.method === 'GET' && fake.issues[Number(issue[1])])
        return send(res, 200, fake.issues[Number(issue[1])]);
      const files = new RegExp(`^${repoPath}/pulls/(\\d+)/files$`).exec(url.pathname);
      if (files && req.method === 'GET' && fake.pullFiles[Number(files[1])])
        return send(res, 200, fake.pullFiles[Number(files[1])]);
      send(res, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(fake, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return fake;
}
