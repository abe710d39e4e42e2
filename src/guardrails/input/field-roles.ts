/**
 * What an argument is for, read from its field name. A value's meaning depends on its field: a
 * `;` or a quote is ordinary in a command or a sentence, but a host name or a user name never
 * holds one, so in those fields the same characters are an injection probe. The shell and SQL
 * detectors use the role to be stricter where the field's own syntax leaves no room for theirs.
 *
 * - `host`: a host name or IP address (`host`, `hostname`, `ip`, `domain`, `dbHost`, …);
 * - `identifier`: a user or record identifier (`username`, `user`, `login`, `email`, `id`, …);
 * - `text`: free text for people (`description`, `message`, `comment`, `body`, …), where shell and
 *   SQL words, quotes and Markdown code spans are ordinary language.
 *
 * Only names that are unambiguous are given a role: `name`, `address`, `target` or `server` may
 * hold a person's name, a postal address, a path or a URL, so they keep the default (no role).
 */
export type FieldRole = 'host' | 'identifier' | 'text';

/** Last named segment of a JSON path, lower-case, without `_`/`-` and array indices (`arguments.db_hosts[0]` → `dbhosts`). */
export function fieldLeaf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  const parts = field.split(/[.[\]]+/).filter((p) => p !== '' && !/^\d+$/.test(p));
  const last = parts[parts.length - 1];
  return last === undefined ? undefined : last.toLowerCase().replace(/[_-]/g, '');
}

const HOST = /^(?:[a-z]{0,16}host(?:name)?s?|ips?|ipv[46]|ip(?:v[46])?addr(?:ess)?(?:es)?|hostaddr(?:ess)?|domains?|domainname|fqdn|servername)$/;
const IDENTIFIER = /^(?:user|users|username|usernames|userid|uid|login|loginname|logonname|account|accountid|accountname|email|emailaddress|nick|nickname|screenname|id|ids)$/;
const TEXT = /^(?:description|desc|text|message|msg|comment|comments|body|content|summary|title|subject|note|notes|caption|reason|details|explanation|prompt|question|answer|instructions|bio|feedback|review|reply)$/;

/** The role of a field, or undefined when its name does not say. */
export function fieldRole(field: string | undefined): FieldRole | undefined {
  const leaf = fieldLeaf(field);
  if (leaf === undefined) return undefined;
  if (HOST.test(leaf)) return 'host';
  if (IDENTIFIER.test(leaf)) return 'identifier';
  if (TEXT.test(leaf)) return 'text';
  return undefined;
}
