/**
 * The technology settings of the API templates (issue 9): versions in the generated build files,
 * the TypeScript Express variant built for real (npm install, tsc, its tests), and the reasons the
 * build gives when a Spring Boot project cannot be packaged here.
 */
import { spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Json, runAgent, runTemplate, tempWorkspace } from '../helpers/template-run';

const created: string[] = [];
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function workspace(): Promise<string> {
  const dir = await tempWorkspace('baton-tech-');
  created.push(dir);
  return dir;
}

const read = (dir: string, file: string) => readFile(path.join(dir, file), 'utf8');
const javac = spawnSync('javac', ['-version'], { encoding: 'utf8' });
const jdk = javac.status === 0 ? Number(/javac (\d+)/.exec(javac.stdout + javac.stderr)?.[1]) : undefined;
const hasGradle = spawnSync('gradle', ['--version']).status === 0;

async function generate(target: 'node-express' | 'java-springboot', settings: Record<string, unknown>) {
  const dir = await workspace();
  const spec = await runAgent('api-spec', { service: 'library', resources: 'books,loans' }, dir);
  const code = await runAgent('codegen', { specPath: spec.specPath, target, ...settings }, dir);
  return { dir, code };
}

describe('technology settings in the generated build files', () => {
  it('writes the Node and Express versions into package.json', async () => {
    const { dir } = await generate('node-express', { nodeVersion: '22', expressVersion: '5' });
    const pkg = JSON.parse(await read(dir, 'app/package.json'));
    expect(pkg.engines).toEqual({ node: '>=22' });
    expect(pkg.dependencies).toEqual({ express: '^5.1.0' });
    // The defaults are what the generator wrote before the settings existed.
    const { dir: plain } = await generate('node-express', {});
    const before = JSON.parse(await read(plain, 'app/package.json'));
    expect(before).toMatchObject({ engines: { node: '>=20' }, dependencies: { express: '^4.21.2' } });
    expect(before.devDependencies).toBeUndefined();
  });

  it('writes the Java and Spring Boot versions into pom.xml, or build.gradle with gradle', async () => {
    const maven = await generate('java-springboot', { javaVersion: '21', springBootVersion: '3.4.5' });
    const pom = await read(maven.dir, 'app/pom.xml');
    expect(pom).toContain('<java.version>21</java.version>');
    expect(pom).toMatch(/<artifactId>spring-boot-starter-parent<\/artifactId>\s*<version>3\.4\.5<\/version>/);
    expect(await read(maven.dir, 'app/.gitignore')).toContain('target/');
    expect(maven.code.files).not.toContain('app/build.gradle');

    const gradle = await generate('java-springboot', { buildTool: 'gradle' });
    expect(gradle.code.files).toEqual(expect.arrayContaining(['app/build.gradle', 'app/settings.gradle']));
    expect(gradle.code.files).not.toContain('app/pom.xml');
    const build = await read(gradle.dir, 'app/build.gradle');
    expect(build).toContain("id 'org.springframework.boot' version '3.5.7'");
    expect(build).toContain('JavaLanguageVersion.of(17)');
    expect(build).toContain("implementation 'org.springframework.boot:spring-boot-starter-web'");
    expect(await read(gradle.dir, 'app/settings.gradle')).toContain("rootProject.name = 'library'");
  });

  it('refuses settings outside the supported ones, in the template and in the agent', async () => {
    const dir = await workspace();
    await expect(runTemplate('node-express-api', { node_version: '18' }, dir)).rejects.toThrow(
      /params\.node_version: "18" is not one of the allowed values: "20", "22", "24"/,
    );
    await expect(runTemplate('java-springboot-api', { spring_boot_version: '2.7.18' }, dir)).rejects.toThrow(
      /params\.spring_boot_version: "2\.7\.18" does not match the pattern/,
    );
    await expect(runTemplate('java-springboot-api', { build_tool: 'ant' }, dir)).rejects.toThrow(
      /params\.build_tool: "ant" is not one of the allowed values: "maven", "gradle"/,
    );
  });
});

describe('node-express-api with typescript=true', () => {
  it('generates a strict TypeScript project that installs, type-checks and passes its tests', async () => {
    const dir = await workspace();
    const started = Date.now();
    const outputs = await runTemplate(
      'node-express-api',
      {
        requirements: 'A library API: books (title, isbn) and authors (name); members log in',
        resources: 'books,authors',
        typescript: 'true',
        node_version: '22',
        express_version: '5',
      },
      dir,
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`node-express-api with typescript: all phases, npm install included, in ${seconds} s`);
    expect(outputs.codegen.entry).toBe('app/src/app.ts');
    expect(outputs.codegen.files).toEqual(
      expect.arrayContaining([
        'app/tsconfig.json',
        'app/src/handlers/books.ts',
        'app/src/handlers/authors.ts',
        'app/test/books.test.ts',
        // The requirements ask for a login: the spec's POST /auth/login, typed and tested.
        'app/src/auth.ts',
        'app/test/auth.test.ts',
      ]),
    );
    expect(outputs.codegen.files.filter((f: string) => f.endsWith('.js'))).toEqual([]);
    const tsconfig = JSON.parse(await read(dir, 'app/tsconfig.json'));
    expect(tsconfig.compilerOptions.strict).toBe(true);
    const pkg = JSON.parse(await read(dir, 'app/package.json'));
    expect(pkg.scripts).toMatchObject({ build: 'tsc', test: 'tsc && node --test dist/test/*.test.js' });
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(['@types/express', '@types/node', 'typescript']);
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^22\./);
    expect(pkg.devDependencies['@types/express']).toMatch(/^\^5\./);
    // What npm install and tsc leave stays out of the phase's commit.
    expect(await read(dir, 'app/.gitignore')).toBe('node_modules/\ndist/\n');

    // Review runs before npm install: it checks the syntax and says why it skipped the types.
    const review = JSON.parse(await read(dir, 'reports/review.json'));
    expect(review).toMatchObject({ errors: 0, passed: true });
    expect(review.findings.map((f: { rule: string }) => f.rule)).toContain('ts-deps-missing');

    const build: Json = outputs.build;
    expect(build).toMatchObject({ compiled: true, notCompiled: [], tests: { passed: 11, failed: 0 } });
    expect(build.compiler).toMatch(/^tsc 5\.\d+\.\d+; node v/);
    const log = await read(dir, build.logPath);
    expect(log).toContain('$ npm install --no-audit --no-fund');
    expect(log).toContain('$ tsc --noEmit -p .');
    expect(log).toMatch(
      /\$ node --test --test-reporter=tap dist\/test\/auth\.test\.js dist\/test\/authors\.test\.js dist\/test\/books\.test\.js/,
    );

    // The project's own scripts work as a developer would run them.
    const npmTest = spawnSync('npm', ['test'], { cwd: path.join(dir, 'app'), encoding: 'utf8' });
    expect(npmTest.status, npmTest.stdout + npmTest.stderr).toBe(0);
    // TAP's `# pass` on Node 20, the spec reporter's `ℹ pass` on Node 23 and later.
    expect(npmTest.stdout).toMatch(/^[#ℹ] pass 11$/m);

    // A type error fails the build with tsc's message (node_modules is there now: no second install).
    const handler = path.join(dir, 'app/src/handlers/books.ts');
    await writeFile(handler, (await readFile(handler, 'utf8')).replace('nextId: number;', 'nextId: string;'));
    await expect(runAgent('build', { target: 'node-express', dir: 'app' }, dir)).rejects.toMatchObject({
      type: 'Agent.BuildFailed',
      message: expect.stringMatching(/^tsc --noEmit -p \. failed in app:\n[\s\S]*error TS\d+/),
    });
    expect(await read(dir, build.logPath)).not.toContain('$ npm install');
  }, 300_000);
});

describe('java-springboot-api: when the Spring sources cannot be packaged here', () => {
  it.runIf(jdk !== undefined && !hasGradle)(
    'gradle absent: the Spring sources are reported not compiled, with the reason',
    async () => {
      const dir = await workspace();
      const outputs = await runTemplate(
        'java-springboot-api',
        { build_tool: 'gradle', resources: 'books' },
        dir,
      );
      expect(outputs.build).toMatchObject({ compiled: true, tests: { failed: 0 } });
      expect(outputs.build.notCompiled).toEqual(
        expect.arrayContaining(['app/src/main/java/com/example/todoservice/Application.java']),
      );
      expect(outputs.build.reason).toBe(
        'needs Spring Boot on the classpath, and gradle is not available (gradle was not found on PATH); install Gradle 8 on the worker',
      );
    },
    60_000,
  );

  it.runIf(jdk !== undefined)(
    'BATON_BUILD_MAVEN=0 turns mvn package off, and says so',
    async () => {
      vi.stubEnv('BATON_BUILD_MAVEN', '0');
      const { dir } = await generate('java-springboot', {});
      const build = await runAgent('build', { target: 'java-springboot' }, dir);
      expect(build.reason).toBe(
        'needs Spring Boot on the classpath, and mvn package is turned off on this worker (BATON_BUILD_MAVEN=0)',
      );
      expect(await read(dir, build.logPath)).not.toContain('$ mvn');
    },
    60_000,
  );

  it.runIf(jdk !== undefined && jdk < 21)(
    'a project for a newer Java than the JDK names both versions, and runs no mvn',
    async () => {
      vi.stubEnv('BATON_BUILD_MAVEN', '1');
      const { dir } = await generate('java-springboot', { javaVersion: '21' });
      const build = await runAgent('build', { target: 'java-springboot' }, dir);
      expect(build).toMatchObject({ compiled: true, tests: { failed: 0 } });
      expect(build.reason).toBe(
        `needs Spring Boot on the classpath, and pom.xml targets Java 21 but this worker's JDK is ${jdk}; install JDK 21+ or set java_version to ${jdk}`,
      );
      expect(await read(dir, build.logPath)).not.toContain('$ mvn');
    },
    60_000,
  );
});
