/**
 * The requirements reader: ordinary English in, resources with typed fields, relations and an
 * auth flag out, without an LLM. Pure and deterministic: the same text gives the same reading,
 * and everything it could not use is listed with why, so a person can correct it at the gate.
 */
import { RESERVED } from './openapi';
import { isPlural, singular } from './naming';
import {
  AUTH,
  camel,
  COLLECTION_WORDS,
  fieldType,
  fieldWords,
  PLACES,
  PLURAL_FIELDS,
  SERVICE_WORDS,
  VERBS,
} from './requirements-words';
import {
  content,
  items,
  namesResource,
  nounRuns,
  resourceName,
  sentences,
  splitNoun,
  tokens,
} from './requirements-phrases';
import { deriveService } from './requirements-service';
import type { Reading, ReadResource } from './requirements-types';

export type { ReadField, Reading, ReadRelation, ReadResource } from './requirements-types';

const MAX_RESOURCES = 30;
const MAX_FIELDS = 20;
const MAX_FIELD_WORDS = 4;

/** "has", "with", ":": what follows is a list of fields (or, after a meta subject, resources). */
const FIELD_VERB =
  /\b(?:has|have|having|with|contains?|containing|includes?|including|stores?|storing|holds?|holding|consists? of|consisting of)\b/;
const DET = '(?:(?:an?|the|one|each|every|its|their)\\s+)?';
const RELATION_VERBS = [
  // "a loan links a book to a member"
  new RegExp(
    `(?:^|\\s)(?:([a-z][a-z-]*(?:\\s[a-z][a-z-]*)?)\\s+)?(?:links?|connects?|relates?|joins?|ties?|pairs?)\\s+${DET}([a-z][a-z-]*)\\s+(?:to|with|and)\\s+${DET}([a-z][a-z-]*)`,
  ),
  // "each post belongs to an author", "playlists are owned by a user", "payments reference an invoice"
  new RegExp(
    `(?:^|\\s)(?:([a-z][a-z-]*(?:\\s[a-z][a-z-]*)?)\\s+)?(?:belongs?\\s+to|(?:is|are)\\s+(?:owned|written|placed|made|created|assigned|linked|posted)\\s+(?:by|to)|references?|refers?\\s+to)\\s+${DET}([a-z][a-z-]*)`,
  ),
];
/** "a customer has many orders": the orders get `customerId`. */
const HAS_MANY =
  /(?:^|\s)([a-z][a-z-]*(?:\s[a-z][a-z-]*)?)\s+(?:has|have|can have)\s+(?:many|several|multiple|one or more|zero or more|any number of)\s+([a-z][a-z-]*(?:\s[a-z][a-z-]*)?)/;
/** Where a clause starts: "…, and has a due date" goes on about the same subject, ", questions belong…" starts a new one. */
const CLAUSE_VERB = '(?:has|have|is|are|belongs?|links?|references?|contains?|includes?|can|should|must)\\b';
const SAME_SUBJECT = new RegExp(`,?\\s+and\\s+(?=${CLAUSE_VERB})`);
const NEW_SUBJECT = new RegExp(`,\\s+(?:and\\s+)?(?=(?:[a-z][a-z-]*\\s){1,2}${CLAUSE_VERB})`);

interface Ignored {
  words: string;
  why: string;
  /** The resource it would have been: dropped from the list when that resource was found anyway. */
  suggest?: string;
}

function createReader() {
  const reading: Reading = { resources: [], auth: false, referenced: [], ignored: [] };
  const ignored: Ignored[] = [];
  const byName = new Map<string, ReadResource>();

  const ignore = (words: string, why: string, suggest?: string) => {
    if (ignored.length < 50 && !ignored.some((i) => i.words === words))
      ignored.push({ words, why, ...(suggest ? { suggest } : {}) });
  };
  const resource = (name: string, words: string): ReadResource | undefined => {
    const known = byName.get(name);
    if (known) return known;
    if (byName.size >= MAX_RESOURCES) {
      ignore(words, `more than ${MAX_RESOURCES} resources; pass resources=... to choose them`);
      return undefined;
    }
    const created: ReadResource = { name, fields: [], relations: [], from: words };
    byName.set(name, created);
    reading.resources.push(created);
    return created;
  };
  /** A relation, and its `<x>Id` field in the order the text names it. */
  const relate = (owner: ReadResource, target: string, words: string) => {
    const to = resourceName([target]);
    if (!to || to === owner.name || owner.relations.some((r) => r.to === to)) return;
    const field = `${camel(tokens(singular(to)))}Id`;
    owner.relations.push({ to, field, from: words });
    if (!owner.fields.some((f) => f.name === field))
      owner.fields.push({ name: field, type: 'string', required: true, from: words });
  };
  const field = (owner: ReadResource, phrase: string, parts: string[], first: boolean) => {
    const { optional, required, typed } = fieldWords(phrase);
    if (parts.length > MAX_FIELD_WORDS)
      return ignore(phrase, 'too long for a field name; name the field in a few words');
    const name = camel(parts);
    if (!/^[a-z][A-Za-z0-9]{0,39}$/.test(name)) return ignore(phrase, 'not a usable field name');
    if (RESERVED.has(name)) {
      const why = ['id', 'createdAt', 'updatedAt'].includes(name)
        ? 'added by Baton'
        : 'a reserved word in Java or JavaScript';
      return ignore(phrase, `"${name}" is ${why}`);
    }
    if (owner.fields.some((f) => f.name === name)) return;
    if (owner.fields.length >= MAX_FIELDS)
      return ignore(phrase, `${owner.name} has ${MAX_FIELDS} fields already`);
    const type = fieldType(typed);
    owner.fields.push({
      name,
      ...type,
      required: required || (!optional && first && type.type !== 'boolean'),
      from: phrase,
    });
  };

  /** A clause without a field list: its plural nouns and "X management" phrases are resources. */
  const plain = (text: string) => {
    for (const item of items(text)) {
      for (const noun of nounRuns(item)) {
        const name = resourceName(noun);
        if (name && namesResource(noun)) resource(name, noun.join(' '));
        else if (name)
          ignore(
            noun.join(' '),
            `"${noun.join(' ')}" is singular, so not a resource; write "${name}" if it is one`,
            name,
          );
        else if (noun.some((w) => !SERVICE_WORDS.has(w) && !PLACES.has(w))) ignore(item, 'names no resource');
      }
    }
  };

  /** A list after "has", "with", ":" or inside parentheses: fields, and plural nouns as resources. */
  const list = (owner: ReadResource | undefined, text: string) => {
    if (!owner) return plain(text);
    let first = true;
    for (const item of items(text)) {
      const { parts, typed, optional, required } = fieldWords(item);
      if (parts.length === 0) continue;
      const last = parts[parts.length - 1]!;
      const counted = parts[0] === 'number' || fieldType(typed).type !== 'string';
      const marked = optional || required || PLURAL_FIELDS.has(last);
      const resourceLike = isPlural(last) && !counted && !marked;
      // "…and then manage their notes": a clause of its own, not a field.
      const clauseLike =
        isPlural(last) && !counted && parts.some((p) => VERBS.has(p) && !COLLECTION_WORDS.has(p));
      if (clauseLike || (resourceLike && parts.length <= 2)) {
        plain(item);
        continue;
      }
      field(owner, item, parts, first);
      first = false;
    }
  };

  /** The resource a clause is about, from the noun phrase before its verb; undefined for a meta subject. */
  const subject = (text: string, fallback: ReadResource | undefined): ReadResource | undefined => {
    const { noun } = splitNoun(text);
    if (noun.length === 0) return fallback;
    // "a todo app with …", "a library with …": the service, whose list is resources.
    const last = noun[noun.length - 1]!;
    if (SERVICE_WORDS.has(last) || PLACES.has(last)) return undefined;
    const name = resourceName(noun);
    return name ? resource(name, noun.join(' ')) : undefined;
  };

  /** One clause; `previous` is the subject of the clause before, for "…and has a due date". Returns its subject. */
  const clause = (raw: string, previous: ReadResource | undefined): ReadResource | undefined => {
    let text = ` ${raw} `;
    let current: ReadResource | undefined;
    for (const pattern of RELATION_VERBS) {
      const match = pattern.exec(text);
      if (!match) continue;
      const owner = subject(match[1] ?? '', previous);
      if (owner) for (const target of match.slice(2)) relate(owner, target, match[0].trim());
      current = owner ?? current;
      text = text.replace(match[0], ' ');
    }
    const many = HAS_MANY.exec(text);
    if (many) {
      const owner = subject(many[1]!, previous);
      const name = resourceName(tokens(many[2]!));
      const child = name && resource(name, many[2]!);
      if (owner && child) relate(child, owner.name, many[0].trim());
      current = owner ?? current;
      text = text.replace(many[0], ' ');
    }
    const verb = FIELD_VERB.exec(text);
    if (verb) {
      const before = text.slice(0, verb.index);
      const owner = subject(before, current ?? previous);
      plain(splitNoun(before).rest);
      list(owner, text.slice(verb.index + verb[0].length));
      return owner;
    }
    if (!current) plain(text);
    return current;
  };

  const sentence = (raw: string) => {
    // "books (title, isbn)": the noun before the parentheses, with the fields inside.
    let text = raw.replace(/([a-z0-9 -]*?)\s*\(([^()]*)\)/g, (_m, before: string, inside: string) => {
      const noun = splitNoun(before).noun;
      const name = resourceName(noun);
      if (name) list(resource(name, `${noun.join(' ')} (${inside})`), inside);
      else ignore(`(${inside})`, 'no resource name before the parentheses');
      return `${before} `;
    });
    // "Books: title, author" is a field list; "A library: books, authors" introduces the rest.
    const colon = text.indexOf(':');
    if (colon >= 0) {
      const head = text.slice(0, colon);
      const { noun } = splitNoun(head);
      const single = items(head).length === 1 && tokens(head).filter(content).length === noun.length;
      text = text.slice(colon + 1);
      if (single && namesResource(noun)) {
        list(subject(head, undefined), text);
        return;
      }
      plain(head);
    }
    let previous: ReadResource | undefined;
    for (const part of text.split(NEW_SUBJECT)) {
      previous = undefined;
      for (const piece of part.split(SAME_SUBJECT)) previous = clause(piece, previous) ?? previous;
    }
  };

  const finish = () => {
    const found = new Set(reading.resources.map((r) => r.name));
    reading.ignored = ignored
      .filter((i) => !i.suggest || !found.has(i.suggest))
      .map(({ words, why }) => ({ words, why }));
  };

  return { reading, sentence, finish };
}

/** Moves fields that name another resource ("a task has a project") to relations. */
function linkFields(reading: Reading): void {
  const names = new Map(reading.resources.map((r) => [camel(tokens(singular(r.name))), r.name]));
  for (const owner of reading.resources) {
    owner.fields = owner.fields.filter((f) => {
      const to = names.get(f.name);
      if (!to || to === owner.name) return true;
      if (owner.relations.some((r) => r.to === to)) return false;
      owner.relations.push({ to, field: `${f.name}Id`, from: f.from });
      Object.assign(f, { name: `${f.name}Id`, type: 'string', required: f.required });
      delete f.format;
      return true;
    });
  }
}

/** Reads requirements text: resources, their fields and relations, auth, and what it ignored. */
export function readRequirements(text: string): Reading {
  const auth = [...text.toLowerCase().matchAll(AUTH)].map((m) => m[0]);
  const { reading, sentence, finish } = createReader();
  for (const s of sentences(text.toLowerCase().replace(AUTH, ' '))) sentence(s);
  finish();
  linkFields(reading);
  const known = new Set(reading.resources.map((r) => r.name));
  for (const owner of reading.resources) {
    for (const relation of owner.relations) {
      if (!known.has(relation.to) && !reading.referenced.some((r) => r.name === relation.to))
        reading.referenced.push({ name: relation.to, by: owner.name, from: relation.from });
    }
  }
  if (auth.length) {
    reading.auth = true;
    reading.authFrom = [...new Set(auth)].join(', ');
  }
  const service = deriveService(text, reading.resources);
  if (service) reading.service = service;
  return reading;
}
