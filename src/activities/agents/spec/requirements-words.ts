/**
 * The word tables of the requirements reader, and how one field phrase becomes a field. Tables,
 * not rules spread through the parser: what the reader understands is read off this file.
 */
import type { FieldSpec } from './openapi';

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

/** Words that never name a resource or a field: articles, pronouns, auxiliaries, connectives. */
export const STOP = words(`
  a an the this that these those each every all any some its it their them they his her our my your
  we i you he she who which what where when there here one ones own other another both either such
  is are be been being was were am do does did has have had having will would shall should can
  could may might must need needs want wants like likes also just only too very more most many much
  several multiple various different few lots lot of to for with without from by on in at into onto
  as per via and or nor but so then than if else while about over under between within through
  please simple basic small new rest restful json http https web online crud full complete
  endpoint endpoints api apis route routes resource resources entity entities model models
  feature features support ability way ways thing things information info kind type
  registered existing individual related associated corresponding current past future upcoming
  e.g eg i.e ie etc
`);

/** Verbs of a requirement ("manage books", "users can create orders"): skipped, never resources. */
export const VERBS = words(`
  create creates creating build builds make makes write writes implement implements develop need
  provide provides expose exposes offer offers handle handles include includes contain contains
  manage manages managing track tracking storing keep keeps list listing add adds edit edits update
  delete deletes remove removes see browse find fetch get gets read let lets allow allows enable
  enables support supports register registers leave leaves give gives receive receives send sends
  assign assigns assigned belong belongs link links linked connect connects relate relates reference
  owned written placed made created shared use uses using hold holds holding go goes come comes know
  knows needed required optional enroll enrolls join joins attend attends buy buys sell sells pay pays
  rent rents borrow borrows submit submits follow follows upload uploads download downloads
`);

/**
 * "X management", "a todo list": the word after X says X is what the API keeps, so X becomes a
 * resource ("user management" → users).
 */
export const COLLECTION_WORDS = words(
  'management manager list lists collection collections catalog catalogue tracker tracking registry directory inventory log logs',
);

/** "a library system", "a shop app": the word says the words before it name the service, not a resource. */
export const SERVICE_WORDS = words(
  'system systems app apps application applications service services api backend platform portal tool website site server',
);

/** Places and businesses an API is "for" ("an API for a library"): they name the service. */
export const PLACES = words(
  'library shop store bookstore school clinic hospital hotel restaurant company business blog bank gym cinema museum university office bakery cafe farm garage pharmacy',
);

/** Login, sign-in, authentication, tokens: the API gets `POST /auth/login`. */
export const AUTH =
  /\b(?:log[\s-]?ins?|logging in|sign[\s-]?ins?|signing in|authenticat\w*|auth|tokens?|jwts?|bearer)\b/g;

/** Words that end a field phrase's meaning ("a done flag", "a title field"). */
const FIELD_NOISE = words(
  'flag field fields column columns property properties attribute attributes value timestamp',
);

/** Qualifiers after a field's name ("an estimate in hours", "a rating from 1 to 5"): not part of it. */
const QUALIFIER =
  /\s+(?:in (?:hours|minutes|seconds|days|weeks|months|years|cents|dollars|euros|kg|km|meters|miles|percent)|from|between|up to|as|like|such as|for example|which|that|of type)(?:\s.*)?$/;

type FieldType = FieldSpec['type'];

/** The type a field's words suggest: its last word first, then any word; string otherwise. */
const TYPE_WORDS: ReadonlyArray<readonly [FieldType, ReadonlySet<string>]> = [
  [
    'integer',
    words(
      'count quantity qty age year years pages stock capacity seats hours minutes days weeks ' +
        'duration position rank level floor servings attempts points votes views likes',
    ),
  ],
  [
    'number',
    words(
      'price amount total rating cost balance salary score weight height width length latitude longitude ' +
        'lat lng fee rate percentage percent discount tax budget distance temperature',
    ),
  ],
  [
    'boolean',
    words(
      'active enabled disabled done completed complete paid published archived verified available visible ' +
        'deleted public private approved confirmed finished resolved read open closed flagged featured',
    ),
  ],
];

/** Date and time words give a string with a format. */
const DATE_WORDS = words('date birthday deadline dob');
const TIME_WORDS = words('at time timestamp datetime');

export interface FieldGuess {
  name: string;
  type: FieldType;
  format?: 'date' | 'date-time';
}

/** `published date` → `publishedDate`; `e-mail` → `email`. */
export function camel(parts: readonly string[]): string {
  return parts
    .map((part) => part.replace(/[^a-z0-9]/g, ''))
    .filter(Boolean)
    .map((part, i) => (i === 0 ? part : part[0]!.toUpperCase() + part.slice(1)))
    .join('');
}

/** The type and format a field's words suggest. */
export function fieldType(parts: readonly string[]): Pick<FieldGuess, 'type' | 'format'> {
  const last = parts[parts.length - 1] ?? '';
  if (parts[0] === 'number' && parts[1] === 'of') return { type: 'integer' };
  if (['is', 'has', 'can', 'was'].includes(parts[0] ?? '') && parts.length > 1) return { type: 'boolean' };
  if (DATE_WORDS.has(last)) return { type: 'string', format: 'date' };
  if (TIME_WORDS.has(last)) return { type: 'string', format: 'date-time' };
  for (const [type, table] of TYPE_WORDS) if (table.has(last)) return { type };
  for (const [type, table] of TYPE_WORDS) if (parts.some((part) => table.has(part))) return { type };
  return { type: 'string' };
}

/** Plurals that are usually a field of text, not a resource of their own ("optional notes"). */
export const PLURAL_FIELDS = words(
  'notes details instructions ingredients keywords remarks directions preferences settings',
);

/**
 * One field phrase, cleaned: its words (`parts`), the words its type is read from (`typed`, noise
 * words kept: "a done flag"), and whether the text marks it optional or required.
 */
export function fieldWords(phrase: string): {
  parts: string[];
  typed: string[];
  optional: boolean;
  required: boolean;
} {
  let text = ` ${phrase.toLowerCase()} `;
  const optional = /\b(?:optional|optionally|maybe)\b/.test(text);
  const required = /\b(?:required|mandatory)\b/.test(text);
  text = text
    .replace(/\b(?:optional|optionally|required|mandatory)\b/g, ' ')
    .replace(/\ba list of\b|\bone or more\b/g, ' ')
    .replace(QUALIFIER, ' ')
    .replace(/e-mail/g, 'email');
  const parts = text
    .split(/[^a-z0-9-]+/)
    .map((part) => part.replace(/^-+|-+$/g, ''))
    .filter(Boolean);
  while (parts.length && ['a', 'an', 'the', 'its', 'their', 'his', 'her', 'some', 'own'].includes(parts[0]!))
    parts.shift();
  const typed = [...parts];
  while (parts.length > 1 && FIELD_NOISE.has(parts[parts.length - 1]!)) parts.pop();
  return { parts, typed, optional, required };
}
