/**
 * The Spring Boot generator of the `codegen` agent. Models, repositories and their self-checks use
 * only the JDK, so the build agent can compile and run them with plain javac; controllers and the
 * application class need Spring Boot on the classpath. The sources are templates/java-springboot/.
 */
import { javaAuth } from './auth';
import { javaBuildFiles } from './java-build';
import type { Field, Resource, Resources } from './resources';
import { DEFAULT_JAVA_STACK, type JavaStack } from './stack';
import { renderTemplate } from './templates';

const JAVA_TYPES: Record<Field['type'], string> = {
  string: 'String',
  integer: 'Long',
  number: 'Double',
  boolean: 'Boolean',
};
const cap = (name: string) => name[0]!.toUpperCase() + name.slice(1);

function sample(field: Field, text = `sample ${field.name}`): string {
  if (field.type === 'string') return JSON.stringify(text);
  if (field.type === 'integer') return '1L';
  return field.type === 'number' ? '1.5' : 'Boolean.TRUE';
}

/** The Java package for a service: `todo-service` → `com.example.todoservice`. */
function javaPackage(service: string): string {
  const name = service.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `com.example.${/^[a-z]/.test(name) ? name : `app${name}`}`;
}

function model(pkg: string, r: Resource): string {
  const fields = r.entity.map((f) => `    private ${JAVA_TYPES[f.type]} ${f.name};`);
  const accessors = r.entity.map((f) =>
    renderTemplate('java-springboot/accessors.java.tmpl', {
      type: JAVA_TYPES[f.type],
      Name: cap(f.name),
      field: f.name,
    }),
  );
  return renderTemplate('java-springboot/Model.java.tmpl', {
    package: pkg,
    name: r.name,
    fields: fields.join('\n'),
    accessors: accessors.join(''),
  });
}

function repository(pkg: string, r: Resource): string {
  const has = (name: string) => r.entity.some((f) => f.name === name);
  const checks = r.input
    .filter((f) => f.required)
    .map(
      (f) =>
        `        if (input.get${cap(f.name)}() == null) {\n            return "${f.name} is required";\n        }`,
    );
  const copies = r.input.map((f) => `        item.set${cap(f.name)}(input.get${cap(f.name)}());`);
  return renderTemplate('java-springboot/Repository.java.tmpl', {
    package: pkg,
    name: r.name,
    path: r.path,
    checks: checks.join('\n'),
    copies: copies.join('\n'),
    createdAtOnCreate: has('createdAt') ? '\n        item.setCreatedAt(now);' : '',
    updatedAtOnCreate: has('updatedAt') ? '\n        item.setUpdatedAt(now);' : '',
    createdAtOnUpdate: has('createdAt') ? '\n        item.setCreatedAt(current.getCreatedAt());' : '',
    updatedAtOnUpdate: has('updatedAt') ? '\n        item.setUpdatedAt(Instant.now().toString());' : '',
  });
}

function controller(pkg: string, r: Resource): string {
  return renderTemplate('java-springboot/Controller.java.tmpl', { package: pkg, name: r.name, path: r.path });
}

function check(pkg: string, r: Resource): string {
  const sets = (variable: string, changed?: Field) =>
    r.input.map(
      (f) => `        ${variable}.set${cap(f.name)}(${sample(f, f === changed ? 'changed' : undefined)});`,
    );
  const text = r.input.find((f) => f.type === 'string');
  const required = r.input.find((f) => f.required);
  return renderTemplate('java-springboot/RepositoryCheck.java.tmpl', {
    package: pkg,
    name: r.name,
    setInput: sets('input').join('\n'),
    setChange: sets('change', text).join('\n'),
    changedCheck: text
      ? `\n        check(updated != null && "changed".equals(updated.get${cap(text.name)}()), "update changes ${text.name}");`
      : '',
    validateCheck: required ? 'problem != null' : 'problem == null',
  });
}

/** The files of a Spring Boot project for the resources, relative to the project dir. */
export function javaFiles(
  service: string,
  resources: Resources,
  specPath: string,
  stack: JavaStack = DEFAULT_JAVA_STACK,
  auth = resources.auth ?? false,
): Array<[string, string]> {
  const pkg = javaPackage(service);
  const main = `src/main/java/${pkg.replace(/\./g, '/')}`;
  const test = `src/test/java/${pkg.replace(/\./g, '/')}`;
  const application = renderTemplate('java-springboot/Application.java.tmpl', {
    package: pkg,
    service,
    specPath,
  });
  return [
    ...javaBuildFiles(service, pkg, stack),
    [`${main}/Application.java`, application],
    ...resources.flatMap((r): Array<[string, string]> => [
      [`${main}/model/${r.name}.java`, model(pkg, r)],
      [`${main}/repository/${r.name}Repository.java`, repository(pkg, r)],
      [`${main}/controller/${r.name}Controller.java`, controller(pkg, r)],
      [`${test}/${r.name}RepositoryCheck.java`, check(pkg, r)],
    ]),
    ...(auth ? javaAuth(pkg, main, test) : []),
  ];
}
