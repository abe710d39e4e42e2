/**
 * Which tool arguments name a network target, read from the field name, for the SSRF detector. A
 * fixed list missed the names tools really use (`base_url`, `apiHost`, `proxy`, `callback_url`,
 * `urls[0]`), so names are matched by pattern: the name ends in a URL or host word, in any case
 * style (fieldLeaf folds `baseUrl`, `base_url` and `base-url` to `baseurl` and drops array indices).
 * A target field's whole value is judged as a host even without a scheme. Other fields are searched
 * only for URLs and metadata addresses: a bare IP in a search query or a sentence is data.
 */
import { fieldLeaf, fieldRole } from './field-roles.ts';

/**
 * Leaf endings that hold a URL or host. Suffixes, because the word before says whose (`webhookurl`,
 * `apihost`, `proxyaddress`). Exclusions keep words that merely end the same way: `observer`,
 * `symlink`/`hardlink` (paths). `address` only after a network word: `billingaddress`,
 * `emailaddress` and `walletaddress` are not hosts.
 */
const TARGET_SUFFIX =
  /(?:urls?|uris?|hosts?|hostnames?|(?<!ob)servers?|servernames?|domains?|domainnames?|endpoints?|prox(?:y|ies)|webhooks?|callbacks?|origins?|hrefs?|(?<!sym|hard)links?|fqdns?)$|^(?:target|(?:ip|host|server|remote|bind|listen|peer|proxy|gateway|upstream|dest)?addr(?:ess)?(?:es)?)$/;

/** The last word of the raw leaf (`serverIp` → `ip`, `remote_ip` → `ip`): `ip` alone ends too many words (`zip`, `tip`). */
function lastWord(field: string): string {
  const parts = field.split(/[.[\]]+/).filter((p) => p !== '' && !/^\d+$/.test(p));
  const words = (parts[parts.length - 1] ?? '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[\s_-]+/);
  return (words[words.length - 1] ?? '').toLowerCase();
}

/** True when the field's value is a URL or host (`url`, `base_url`, `apiHost`, `proxy`, `urls[0]`, `server_ip`). */
export function isTargetField(field: string | undefined): boolean {
  const leaf = fieldLeaf(field);
  if (field === undefined || leaf === undefined) return false;
  return fieldRole(field) === 'host' || TARGET_SUFFIX.test(leaf) || /^ip(?:s|v[46])?$/.test(lastWord(field));
}
