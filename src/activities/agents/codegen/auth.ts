/**
 * The login endpoint (`POST /auth/login`) of a generated project, for a spec that has it: a pure
 * handler over an in-memory account store with its tests, for Express and for Spring Boot. Kept
 * apart from the CRUD generators, which only append these files.
 */
import type { Files } from './node';
import { renderTemplate } from './templates';

/** Express (`js`) or Express in TypeScript (`ts`): src/auth with its tests, and the lines app needs. */
export function nodeAuth(
  specPath: string,
  ext: 'js' | 'ts' = 'js',
): { files: Files; imports: string[]; mounts: string[] } {
  return {
    files: [
      [`src/auth.${ext}`, renderTemplate(`auth/auth.${ext}.tmpl`, { specPath })],
      [`test/auth.test.${ext}`, renderTemplate(`auth/auth.test.${ext}.tmpl`, {})],
    ],
    // Compiled TypeScript imports the emitted .js too.
    imports: ["import * as auth from './auth.js';"],
    mounts: [
      "  const accounts = auth.createStore(process.env.AUTH_USERS ?? '');",
      "  app.post('/auth/login', (req, res) => send(res, auth.login(accounts, req.body)));",
    ],
  };
}

/** Spring Boot: the JDK-only AuthService and its check, and the Spring AuthController. */
export function javaAuth(pkg: string, main: string, test: string): Files {
  return [
    [`${main}/auth/AuthService.java`, renderTemplate('auth/AuthService.java.tmpl', { package: pkg })],
    [`${main}/auth/AuthController.java`, renderTemplate('auth/AuthController.java.tmpl', { package: pkg })],
    [`${test}/AuthServiceCheck.java`, renderTemplate('auth/AuthServiceCheck.java.tmpl', { package: pkg })],
  ];
}
