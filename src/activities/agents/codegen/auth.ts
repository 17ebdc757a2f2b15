/**
 * The login endpoint (`POST /auth/login`) of a generated project, for a spec that has it: a pure
 * handler over an in-memory account store with its tests, for Express and for Spring Boot. Kept
 * apart from the CRUD generators, which only append these files.
 */
import type { Files } from './node';
import { renderTemplate } from './templates';

/** Express: src/auth.js with its tests, and the lines app.js needs to import and route it. */
export function nodeAuth(specPath: string): { files: Files; imports: string[]; mounts: string[] } {
  return {
    files: [
      ['src/auth.js', renderTemplate('auth/auth.js.tmpl', { specPath })],
      ['test/auth.test.js', renderTemplate('auth/auth.test.js.tmpl', {})],
    ],
    imports: ["import * as auth from './auth.js';"],
    mounts: [
      "  const accounts = auth.createStore(process.env.AUTH_USERS ?? '');",
      "  app.post('/auth/login', (req, res) => send(res, auth.login(accounts, req.body)));",
    ],
  };
}

/** Express in TypeScript: src/auth.ts with its tests, and the lines app.ts needs. */
export function nodeTsAuth(specPath: string): { files: Files; imports: string[]; mounts: string[] } {
  return {
    files: [
      ['src/auth.ts', renderTemplate('auth/auth.ts.tmpl', { specPath })],
      ['test/auth.test.ts', renderTemplate('auth/auth.test.ts.tmpl', {})],
    ],
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
