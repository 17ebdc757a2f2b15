/**
 * The Spring Boot generator of the `codegen` agent. Models, repositories and their self-checks use
 * only the JDK, so the build agent can compile and run them with plain javac; controllers and the
 * application class need Spring Boot on the classpath.
 */

import type { Field, Resource } from './codegen-spec';

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
export function javaPackage(service: string): string {
  const name = service.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `com.example.${/^[a-z]/.test(name) ? name : `app${name}`}`;
}

function model(pkg: string, r: Resource): string {
  const fields = r.entity.map((f) => `    private ${JAVA_TYPES[f.type]} ${f.name};`);
  const accessors = r.entity.map(
    (f) => `
    public ${JAVA_TYPES[f.type]} get${cap(f.name)}() {
        return ${f.name};
    }

    public void set${cap(f.name)}(${JAVA_TYPES[f.type]} ${f.name}) {
        this.${f.name} = ${f.name};
    }
`,
  );
  return `package ${pkg}.model;

/** A ${r.name}, as components.schemas.${r.name} of the OpenAPI spec describes it. */
public class ${r.name} {
${fields.join('\n')}
${accessors.join('')}}
`;
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
  return `package ${pkg}.repository;

import ${pkg}.model.${r.name};
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An in-memory store of ${r.path}. Thread-safe, and free of Spring,
 * so it compiles and runs with the JDK alone.
 */
public class ${r.name}Repository {
    private final Map<String, ${r.name}> items = new LinkedHashMap<>();
    private long nextId = 1;

    /** Returns why the input is invalid, or null when it is valid. */
    public static String validate(${r.name} input) {
        if (input == null) {
            return "body is required";
        }
${checks.join('\n')}
        return null;
    }

    public synchronized List<${r.name}> findAll() {
        return new ArrayList<>(items.values());
    }

    public synchronized Optional<${r.name}> findById(String id) {
        return Optional.ofNullable(items.get(id));
    }

    public synchronized ${r.name} create(${r.name} input) {
        ${r.name} item = copy(String.valueOf(nextId++), input);
        String now = Instant.now().toString();${has('createdAt') ? '\n        item.setCreatedAt(now);' : ''}${
          has('updatedAt') ? '\n        item.setUpdatedAt(now);' : ''
        }
        items.put(item.getId(), item);
        return item;
    }

    public synchronized Optional<${r.name}> update(String id, ${r.name} input) {
        ${r.name} current = items.get(id);
        if (current == null) {
            return Optional.empty();
        }
        ${r.name} item = copy(id, input);${has('createdAt') ? '\n        item.setCreatedAt(current.getCreatedAt());' : ''}${
          has('updatedAt') ? '\n        item.setUpdatedAt(Instant.now().toString());' : ''
        }
        items.put(id, item);
        return Optional.of(item);
    }

    public synchronized boolean delete(String id) {
        return items.remove(id) != null;
    }

    private static ${r.name} copy(String id, ${r.name} input) {
        String problem = validate(input);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        ${r.name} item = new ${r.name}();
        item.setId(id);
${copies.join('\n')}
        return item;
    }
}
`;
}

function controller(pkg: string, r: Resource): string {
  return `package ${pkg}.controller;

import ${pkg}.model.${r.name};
import ${pkg}.repository.${r.name}Repository;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** CRUD endpoints for /${r.path}. */
@RestController
@RequestMapping("/${r.path}")
public class ${r.name}Controller {
    private final ${r.name}Repository repository = new ${r.name}Repository();

    @GetMapping
    public List<${r.name}> list() {
        return repository.findAll();
    }

    @PostMapping
    public ResponseEntity<Object> create(@RequestBody ${r.name} input) {
        String problem = ${r.name}Repository.validate(input);
        if (problem != null) {
            return ResponseEntity.badRequest().body(Map.of("message", problem));
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(repository.create(input));
    }

    @GetMapping("/{id}")
    public ResponseEntity<${r.name}> get(@PathVariable String id) {
        return ResponseEntity.of(repository.findById(id));
    }

    @PutMapping("/{id}")
    public ResponseEntity<Object> update(@PathVariable String id, @RequestBody ${r.name} input) {
        String problem = ${r.name}Repository.validate(input);
        if (problem != null) {
            return ResponseEntity.badRequest().body(Map.of("message", problem));
        }
        return repository.update(id, input)
                .<ResponseEntity<Object>>map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.notFound().build());
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@PathVariable String id) {
        return repository.delete(id) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
    }
}
`;
}

function check(pkg: string, r: Resource): string {
  const sets = (variable: string, changed?: Field) =>
    r.input.map(
      (f) => `        ${variable}.set${cap(f.name)}(${sample(f, f === changed ? 'changed' : undefined)});`,
    );
  const text = r.input.find((f) => f.type === 'string');
  const required = r.input.find((f) => f.required);
  return `package ${pkg};

import ${pkg}.model.${r.name};
import ${pkg}.repository.${r.name}Repository;

/** Exercises ${r.name}Repository without a test framework; prints TAP-style lines, exits 1 on failure. */
public final class ${r.name}RepositoryCheck {
    private static int failures = 0;

    private static void check(boolean ok, String what) {
        System.out.println((ok ? "ok - " : "not ok - ") + what);
        if (!ok) {
            failures++;
        }
    }

    public static void main(String[] args) {
        ${r.name}Repository repository = new ${r.name}Repository();
        ${r.name} input = new ${r.name}();
${sets('input').join('\n')}
        ${r.name} created = repository.create(input);
        check(created.getId() != null, "create assigns an id");
        check(repository.findById(created.getId()).isPresent(), "findById finds the created item");
        check(repository.findAll().size() == 1, "findAll lists one item");

        ${r.name} change = new ${r.name}();
${sets('change', text).join('\n')}
        ${r.name} updated = repository.update(created.getId(), change).orElse(null);
        check(updated != null, "update finds the item");${
          text
            ? `\n        check(updated != null && "changed".equals(updated.get${cap(text.name)}()), "update changes ${text.name}");`
            : ''
        }
        check(repository.update("missing", change).isEmpty(), "update of a missing id is empty");
        String problem = ${r.name}Repository.validate(new ${r.name}());
        check(${required ? 'problem != null' : 'problem == null'}, "validate checks the required fields");

        check(repository.delete(created.getId()), "delete removes the item");
        check(repository.findById(created.getId()).isEmpty(), "a deleted item is gone");
        check(!repository.delete("missing"), "delete of a missing id returns false");
        if (failures > 0) {
            System.exit(1);
        }
    }
}
`;
}

function pom(service: string, pkg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
    <modelVersion>4.0.0</modelVersion>
    <parent>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-starter-parent</artifactId>
        <version>3.2.5</version>
        <relativePath/>
    </parent>
    <groupId>${pkg.split('.').slice(0, 2).join('.')}</groupId>
    <artifactId>${service}</artifactId>
    <version>0.1.0</version>
    <properties>
        <java.version>17</java.version>
    </properties>
    <dependencies>
        <dependency>
            <groupId>org.springframework.boot</groupId>
            <artifactId>spring-boot-starter-web</artifactId>
        </dependency>
    </dependencies>
    <build>
        <plugins>
            <plugin>
                <groupId>org.springframework.boot</groupId>
                <artifactId>spring-boot-maven-plugin</artifactId>
            </plugin>
        </plugins>
    </build>
</project>
`;
}

/** The files of a Spring Boot project for the resources, relative to the project dir. */
export function javaFiles(
  service: string,
  resources: readonly Resource[],
  specPath: string,
): Array<[string, string]> {
  const pkg = javaPackage(service);
  const main = `src/main/java/${pkg.replace(/\./g, '/')}`;
  const test = `src/test/java/${pkg.replace(/\./g, '/')}`;
  const application = `package ${pkg};

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** ${service}, generated by baton codegen from ${specPath}. */
@SpringBootApplication
public class Application {
    public static void main(String[] args) {
        SpringApplication.run(Application.class, args);
    }
}
`;
  return [
    ['pom.xml', pom(service, pkg)],
    [`${main}/Application.java`, application],
    ...resources.flatMap((r): Array<[string, string]> => [
      [`${main}/model/${r.name}.java`, model(pkg, r)],
      [`${main}/repository/${r.name}Repository.java`, repository(pkg, r)],
      [`${main}/controller/${r.name}Controller.java`, controller(pkg, r)],
      [`${test}/${r.name}RepositoryCheck.java`, check(pkg, r)],
    ]),
  ];
}
