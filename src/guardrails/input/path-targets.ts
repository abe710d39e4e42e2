/**
 * Sensitive file targets for the path detector: secrets in home directories, credential stores,
 * process memory and environment, and OS account databases. Matched on the canonical path
 * (lower-case, forward slashes), so `C:\Windows\repair\SAM` and `/etc/shadow` both match.
 */

/** Path suffixes / segments that are secrets wherever they live. */
const SEGMENTS: ReadonlyArray<readonly [string, string]> = [
  ['/.ssh/', 'SSH keys'],
  ['.ssh/', 'SSH keys'],
  ['/id_rsa', 'SSH private key'],
  ['/id_dsa', 'SSH private key'],
  ['/id_ecdsa', 'SSH private key'],
  ['/id_ed25519', 'SSH private key'],
  ['.aws/', 'cloud credentials'],
  ['.azure/', 'cloud credentials'],
  ['.config/gcloud', 'cloud credentials'],
  ['.kube/config', 'cluster credentials'],
  ['.docker/config.json', 'registry credentials'],
  ['.gnupg', 'GPG keys'],
  ['.git-credentials', 'git credentials'],
  ['.netrc', 'credentials'],
  ['.pgpass', 'database credentials'],
  ['.npmrc', 'registry token'],
  ['.pypirc', 'registry token'],
  ['.bash_history', 'shell history'],
  ['.zsh_history', 'shell history'],
  ['.mysql_history', 'shell history'],
  ['/etc/shadow', 'password hashes'],
  ['/etc/gshadow', 'password hashes'],
  ['master.passwd', 'password hashes'],
  ['/etc/passwd', 'account database'],
  ['/etc/sudoers', 'privilege configuration'],
  ['/etc/security/opasswd', 'password hashes'],
  ['/etc/ssl/private', 'TLS private keys'],
  ['/root/', 'root home'],
  ['/proc/self/', 'process memory or environment'],
  ['/proc/1/', 'process memory or environment'],
  ['/var/run/secrets', 'service account token'],
  ['/run/secrets', 'container secrets'],
  ['/var/run/docker.sock', 'Docker socket'],
  ['/repair/sam', 'Windows account database'],
  ['/repair/system', 'Windows registry hive'],
  ['/system32/config/', 'Windows registry hive'],
  ['/windows/win.ini', 'Windows system file'],
  ['/winnt/win.ini', 'Windows system file'],
  ['boot.ini', 'Windows boot configuration'],
  ['web.config', 'application secrets'],
  ['wp-config.php', 'application secrets'],
  ['/unattend.xml', 'Windows install secrets'],
  ['/sysprep.inf', 'Windows install secrets'],
  ['/ntuser.dat', 'Windows user registry'],
];

/** Whole last segments that are secrets: `.env`, `.env.local`, `credentials.json`, private keys. */
const BASENAMES = new Set(['.env', '.htpasswd', '.htaccess', 'credentials', 'credentials.json', 'secrets.json', 'secrets.yaml', 'secrets.yml', 'service-account.json', 'private.key', 'server.key', 'id_rsa', 'id_ed25519', 'shadow', 'environ']);

/** Returns what the canonical path targets when sensitive, else undefined. */
export function sensitiveTarget(p: string): string | undefined {
  for (const [needle, what] of SEGMENTS) if (p.includes(needle)) return what;
  const base = p.slice(p.lastIndexOf('/') + 1).replace(/\0.*$/, '');
  if (BASENAMES.has(base) || base.startsWith('.env.')) return 'secrets file';
  if (base.endsWith('.pem') || base.endsWith('.p12') || base.endsWith('.pfx') || base.endsWith('.key') || base.endsWith('.kdbx')) return 'key material';
  if (/^\/proc\/\d+\/(environ|cmdline|mem|maps|fd)/.test(p)) return 'process memory or environment';
  return undefined;
}
