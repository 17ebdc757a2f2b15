/**
 * `mvn package` of a generated Spring Boot project through the build agent, for real: Spring Boot
 * comes from Maven Central (about 25 s the first time, 5-10 s once ~/.m2 has it). Off in the
 * default run (vitest.config.ts sets BATON_BUILD_MAVEN=0); `npm run test:maven` runs it, and then
 * a missing mvn is a failure, not a skip.
 */
import { spawnSync } from 'node:child_process';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAgent, runTemplate, tempWorkspace } from '../helpers/template-run';

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

const enabled = process.env.BATON_BUILD_MAVEN !== '0';

describe.runIf(enabled)('java-springboot-api with Maven', () => {
  it('mvn and javac are on the PATH (test:maven needs them)', () => {
    expect(spawnSync('mvn', ['-v']).status, 'mvn -v').toBe(0);
    expect(spawnSync('javac', ['-version']).status, 'javac -version').toBe(0);
  });

  it('packages the whole project, Spring sources too, and a broken controller fails the build', async () => {
    const dir = await tempWorkspace('baton-maven-');
    created.push(dir);
    const started = Date.now();
    const outputs = await runTemplate('java-springboot-api', { service: 'library', resources: 'books' }, dir);
    console.log(
      `java-springboot-api with mvn package: all phases in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(outputs.build).toMatchObject({ compiled: true, notCompiled: [], tests: { failed: 0 } });
    expect(outputs.build.reason).toBeUndefined();
    expect(outputs.build.compiler).toMatch(/^javac \d+[^;]*; Apache Maven \d/);
    const app = path.join(dir, 'app');
    await access(path.join(app, 'target/classes/com/example/library/controller/BookController.class'));
    await access(path.join(app, 'target/library-0.1.0.jar'));
    expect(await readFile(path.join(dir, outputs.build.logPath), 'utf8')).toContain('$ mvn -B -q package');

    // javac never compiles the controller: only Maven can find this mistake.
    const controller = path.join(app, 'src/main/java/com/example/library/controller/BookController.java');
    await writeFile(
      controller,
      (await readFile(controller, 'utf8')).replace('@GetMapping\n', '@GetMapping\n    int'),
    );
    await expect(runAgent('build', { target: 'java-springboot' }, dir)).rejects.toMatchObject({
      type: 'Agent.BuildFailed',
      message: expect.stringMatching(/^mvn -B -q package failed in app:\n[\s\S]*BookController\.java/),
    });
  }, 600_000);
});
