/**
 * The build files of a generated Spring Boot project: pom.xml for Maven, or build.gradle and
 * settings.gradle for Gradle, with the Java release and Spring Boot version of the settings.
 */
import type { Files } from './node';
import type { JavaStack } from './stack';
import { renderTemplate } from './templates';

/** What the build leaves behind, per tool (javac's own classes go to build/classes either way). */
const IGNORED: Record<JavaStack['buildTool'], string[]> = {
  maven: ['target/', 'build/'],
  gradle: ['build/', '.gradle/'],
};

export function javaBuildFiles(service: string, pkg: string, stack: JavaStack): Files {
  const values = {
    groupId: pkg.split('.').slice(0, 2).join('.'),
    service,
    javaVersion: stack.javaVersion,
    springBootVersion: stack.springBootVersion,
  };
  const ignore: [string, string] = ['.gitignore', `${IGNORED[stack.buildTool].join('\n')}\n`];
  if (stack.buildTool === 'gradle') {
    const { groupId, javaVersion, springBootVersion } = values;
    return [
      [
        'build.gradle',
        renderTemplate('java-springboot/build.gradle.tmpl', { groupId, javaVersion, springBootVersion }),
      ],
      ['settings.gradle', renderTemplate('java-springboot/settings.gradle.tmpl', { service })],
      ignore,
    ];
  }
  return [['pom.xml', renderTemplate('java-springboot/pom.xml.tmpl', values)], ignore];
}
