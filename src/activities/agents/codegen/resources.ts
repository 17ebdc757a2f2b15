/**
 * What the `codegen` agent reads from an OpenAPI document: its CRUD resources and their fields.
 */
import { badInput } from '../../failures';
import { FIELD_TYPES, type Field, LOGIN_PATH, pascal } from '../spec/openapi';
import { singular } from '../spec/naming';

export type { Field };

/** One CRUD resource read from the spec: `/todos` with schema `Todo`. */
export interface Resource {
  /** The path segment, e.g. `order-items`. */
  path: string;
  /** A JS identifier for it, e.g. `orderItems`. */
  camel: string;
  /** The entity schema name, e.g. `OrderItem`. */
  name: string;
  entity: Field[];
  input: Field[];
}

function at(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
}

const SUPPORTED_TYPES: ReadonlySet<string> = new Set(FIELD_TYPES);

function schemaFields(
  spec: unknown,
  ref: unknown,
  where: string,
  specPath: string,
): { name: string; fields: Field[] } {
  const name = typeof ref === 'string' ? ref.split('/').pop() : undefined;
  const schema = name ? at(spec, 'components', 'schemas', name) : undefined;
  if (!name || schema === undefined) {
    throw badInput(
      `${where} in ${specPath} has no schema $ref to components.schemas; regenerate it with the api-spec agent`,
    );
  }
  const required = new Set((at(schema, 'required') as string[] | undefined) ?? []);
  const properties = Object.entries((at(schema, 'properties') as Record<string, unknown> | undefined) ?? {});
  const fields = properties.map(([field, property]): Field => {
    const type = at(property, 'type');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field) || typeof type !== 'string' || !SUPPORTED_TYPES.has(type)) {
      throw badInput(
        `components.schemas.${name}.${field} in ${specPath} is not supported by the built-in codegen; ` +
          'use identifier names with type string, integer, number or boolean',
      );
    }
    return { name: field, type: type as Field['type'], required: required.has(field) };
  });
  return { name, fields };
}

/**
 * The resources of a spec. `auth` rides on the list too, so the generators see it through the
 * codegen agent's existing calls (they take the list, not the whole reading).
 */
export type Resources = Resource[] & { auth?: boolean };

/**
 * The CRUD resources of an OpenAPI document (collection paths `/x` that have an item path `/x/{id}`),
 * and `auth` when it has `POST /auth/login`.
 */
export function readResources(
  spec: unknown,
  specPath: string,
): { service: string; resources: Resources; auth: boolean } {
  const version = at(spec, 'openapi');
  if (typeof version !== 'string' || !version.startsWith('3.')) {
    throw badInput(
      `${specPath} is not an OpenAPI 3 document (openapi is ${JSON.stringify(version)}); run api-spec first`,
    );
  }
  const paths = (at(spec, 'paths') as Record<string, unknown> | undefined) ?? {};
  const resources: Resource[] = [];
  for (const key of Object.keys(paths)) {
    const segment = /^\/([a-z][a-z0-9-]*)$/.exec(key)?.[1];
    if (!segment || paths[`${key}/{id}`] === undefined) continue;
    const post = at(paths, key, 'post');
    const entity = schemaFields(
      spec,
      at(post, 'responses', '201', 'content', 'application/json', 'schema', '$ref'),
      `POST ${key} response`,
      specPath,
    );
    const input = schemaFields(
      spec,
      at(post, 'requestBody', 'content', 'application/json', 'schema', '$ref'),
      `POST ${key} body`,
      specPath,
    );
    const missing = input.fields.find(
      (f) => !entity.fields.some((e) => e.name === f.name && e.type === f.type),
    );
    if (missing || !entity.fields.some((f) => f.name === 'id' && f.type === 'string')) {
      throw badInput(
        `components.schemas.${entity.name} in ${specPath} needs a string "id"` +
          (missing ? ` and the field "${missing.name}" (${missing.type}) of ${input.name}` : '') +
          '; regenerate it with the api-spec agent',
      );
    }
    const camel = pascal(segment).replace(/^./, (c) => c.toLowerCase());
    resources.push({
      path: segment,
      camel,
      name: pascal(singular(segment)),
      entity: entity.fields,
      input: input.fields,
    });
  }
  if (resources.length === 0) {
    throw badInput(`${specPath} has no CRUD paths (/x with /x/{id}); regenerate it with the api-spec agent`);
  }
  const title = at(spec, 'info', 'title');
  const auth = at(paths, LOGIN_PATH, 'post') !== undefined;
  return {
    service: typeof title === 'string' && title ? title : 'service',
    resources: Object.assign(resources, { auth }),
    auth,
  };
}
