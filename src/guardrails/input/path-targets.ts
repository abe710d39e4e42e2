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
  // Shell startup and host-trust files: reading leaks exported tokens, writing is persistence.
  ['/.bashrc', 'shell startup file'],
  ['/.bash_profile', 'shell startup file'],
  ['/.profile', 'shell startup file'],
  ['/.zshrc', 'shell startup file'],
  ['/.cshrc', 'shell startup file'],
  ['/.tcshrc', 'shell startup file'],
  ['/.login', 'shell startup file'],
  ['/.logout', 'shell startup file'],
  ['/.rhosts', 'host trust file'],
  ['/.shosts', 'host trust file'],
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
const BASENAMES = new Set(['.env', '.htpasswd', '.htaccess', 'credentials', 'credentials.json', 'secrets.json', 'secrets.yaml', 'secrets.yml', 'service-account.json', 'private.key', 'server.key', 'id_rsa', 'id_ed25519', 'shadow', 'environ', '.vault-token']);

/**
 * Browser credential stores: Chromium's saved passwords and card data (`Login Data`, `Web Data`),
 * Firefox's passwords and the key that decrypts them (`logins.json`, `key4.db`), cookie jars (live
 * sessions). Names no workspace file uses, except `Cookies`, which counts only in a profile folder.
 */
const BROWSER_STORES = new Set(['login data', 'login data for account', 'web data', 'logins.json', 'signons.sqlite', 'key3.db', 'key4.db', 'cookies.sqlite']);
const BROWSER_PROFILE = /^(?:default|network|profile \d+|guest profile)$/;

/**
 * Chromium's stores whose names hold a space, in the profile folder that holds them (`Default/Login
 * Data`, `Profile 1/Web Data`, Opera's `Opera Stable/Login Data`), in a canonical text. A value with
 * spaces that does not start like a path is read as prose, split into words (`…/Default/Login`,
 * `Data`) that name nothing, so these are searched in the whole text. What comes before the profile
 * folder does not matter: a relative path resolves under the server's home as an absolute one names
 * it. The folder is required: "the auth/login data flow" is prose. Linear: fixed words, a bounded number.
 */
const SPACED_STORE = /(?:^|\/)(?:(?:default|profile \d{1,4}|guest profile|system profile|opera (?:gx )?stable)\/(?:login data(?: for account)?|web data)|user data\/local state)(?![a-z0-9])/;

/**
 * The same stores written as Chromium names them (`Default/Login Data`, `User Data/Local State`,
 * which holds the key the stores are encrypted with) after a blank, a quote, a backtick or a bracket:
 * an argument of a command (`cp "Default/Login Data" /tmp`, `sqlite3 'Profile 1/Login Data'`). The
 * exact case keeps prose (`the default/login data flow`) out.
 */
const QUOTED_STORE = /(?:^|[\s"'`(\[{<=/])((?:Default|Profile \d{1,4}|Guest Profile|System Profile|Opera (?:GX )?Stable)\/(?:Login Data(?: For Account)?|Web Data)|User Data\/Local State)(?![A-Za-z0-9])/;

/**
 * `p` as the stores are searched in it: `\ ` (a shell's escaped blank) read as a blank, `//` and
 * `/./` as one separator. Linear.
 */
export function storeText(p: string): string {
  return p.replace(/\\ /g, ' ').replace(/\/(?:\.?\/)+/g, '/');
}

/**
 * Where a Chromium store with a space in its name sits: in the canonical text `p` (see
 * {@link SPACED_STORE}), or else, when `raw` (the text as written, see {@link storeText}) is given,
 * in its exact-case spelling after a blank or a quote ({@link QUOTED_STORE}; `quoted` is then true).
 */
export function spacedBrowserStore(p: string, raw?: string): { readonly start: number; readonly end: number; readonly quoted?: boolean } | undefined {
  const m = SPACED_STORE.exec(p);
  if (m) return { start: m.index, end: m.index + m[0].length };
  const q = raw === undefined ? null : QUOTED_STORE.exec(raw);
  if (!q) return undefined;
  const start = q.index + q[0].length - (q[1] as string).length;
  return { start, end: start + (q[1] as string).length, quoted: true };
}

/** Directories that are secrets in themselves: listing or archiving one takes every key inside (the shell detector's too). */
export const SECRET_DIRS: ReadonlySet<string> = new Set(['.ssh', '.aws', '.azure', '.gnupg', '.kube', '.docker', '.password-store']);

/** Raw disks, partitions and memory: reading one bypasses every file permission; writing one destroys the system. */
const RAW_DEVICE = /(?:^|\/)dev\/(?:k?mem|port|(?:sd|hd|vd|xvd)[a-z]+\d*|nvme\d+(?:n\d+(?:p\d+)?)?|mmcblk\d+(?:p\d+)?|dm-\d+|md\d+|loop\d+|sg\d+|nbd\d+|sr\d+|mapper\/|disk\/)/;

/** Returns what the canonical path targets when sensitive, else undefined. */
export function sensitiveTarget(p: string): string | undefined {
  for (const [needle, what] of SEGMENTS) if (p.includes(needle)) return what;
  const last = p.slice(p.lastIndexOf('/') + 1);
  const nul = last.indexOf('\0');
  const base = nul < 0 ? last : last.slice(0, nul);
  if (BASENAMES.has(base) || base.startsWith('.env.')) return 'secrets file';
  const segs = p.split('/');
  if (segs.some((s) => SECRET_DIRS.has(s))) return 'credentials directory';
  if (BROWSER_STORES.has(base) || (base === 'cookies' && BROWSER_PROFILE.test(segs[segs.length - 2] ?? ''))) return 'browser credential store';
  if (RAW_DEVICE.test(p)) return 'raw disk or memory device';
  if (base.endsWith('.pem') || base.endsWith('.p12') || base.endsWith('.pfx') || base.endsWith('.key') || base.endsWith('.kdbx')) return 'key material';
  if (/^\/proc\/\d+\/(environ|cmdline|mem|maps|fd)/.test(p)) return 'process memory or environment';
  return undefined;
}

/** Top-level POSIX trees the OS owns: configuration, process and kernel state, root's home. */
const OS_TREES = new Set(['etc', 'proc', 'sys', 'boot', 'root', 'run']);
/** `/dev` entries programs write to or read as ordinary streams; every other device (input, camera, disks) is OS state. */
const STREAM_DEVICES = new Set(['null', 'zero', 'full', 'random', 'urandom', 'stdin', 'stdout', 'stderr', 'tty', 'fd', 'shm']);
/** `/var/<x>` and `/usr/<x>` trees holding logs, spools, mail, locks and system configuration. */
const VAR_TREES = new Set(['log', 'adm', 'spool', 'mail', 'run', 'lock', 'cron', 'saf', 'lib', 'db', 'backups', 'audit']);
const USR_TREES = new Set(['etc', 'spool', 'adm']);
/** Windows system folders (matched on the first segment after the drive). */
const WINDOWS_TREES = new Set(['windows', 'winnt', 'system32', '$recycle.bin', 'documents and settings', 'programdata', 'system volume information', 'inetpub', 'boot.ini', 'pagefile.sys', 'hiberfil.sys']);
/** Directories of server software (web, PHP, database, FTP stacks) whose config, logs and sessions LFI reads. */
const SERVER_DIR = /^(apache|apache2|apachegroup|apache group|apache software foundation|httpd|nginx|lighttpd|php|mysql|mariadb|postgresql|xampp|lampp|lamp|wamp|inetpub|tomcat|cpanel|proftpd|pureftpd|pure-ftpd|vsftpd|filezillaftp|mercurymail|zend)[\d.-]*$/;
/** Web server document roots: site source and its configuration (database credentials). */
const WEB_ROOTS = new Set(['htdocs', 'wwwroot', 'public_html']);
/** Directories of logs and configuration, anywhere in an absolute path. */
const LOG_CONF_DIR = new Set(['log', 'logs', 'logfiles', 'conf', 'etc', 'sessions']);

/**
 * What an ABSOLUTE canonical path (lower-case, forward slashes, optional `c:` drive) reaches outside
 * any user workspace: OS configuration and state, system logs, Windows system folders, or the
 * installation of server software. Used only when the tool has no roots: with roots, anything outside
 * them is already a finding. A user's home directory is workspace (its secrets are `sensitiveTarget`).
 */
export function systemTarget(abs: string): string | undefined {
  const segs = abs.replace(/^\/?[a-z]:/, '').split('/').filter((s) => s !== '' && s !== '.');
  const [a = '', b = '', c = ''] = segs;
  if ((a === 'home' && !/^\/?[a-z]:/.test(abs)) || a === 'users') {
    return a === 'users' && (c === 'appdata' || c.startsWith('ntuser')) ? 'Windows user profile' : undefined;
  }
  if ((a === 'var' || a === 'srv') && b === 'www') return 'web server document root';
  if (a === 'dev' && b !== '' && !STREAM_DEVICES.has(b)) return 'device file';
  // macOS keeps /etc and /var under /private; /private/var/folders is the per-user temp dir, not system state.
  if (OS_TREES.has(a) || (a === 'private' && (b === 'etc' || (b === 'var' && VAR_TREES.has(c))))) return 'OS configuration or process state';
  if ((a === 'var' && VAR_TREES.has(b)) || (a === 'usr' && (USR_TREES.has(b) || (b === 'local' && c === 'etc')))) return 'system logs or configuration';
  if (WINDOWS_TREES.has(a) || a.startsWith('program files') || a.startsWith('programfiles')) return 'Windows system folder';
  const base = segs[segs.length - 1] ?? '';
  for (const s of segs.slice(0, -1)) {
    if (SERVER_DIR.test(s)) return 'server software installation';
    if (LOG_CONF_DIR.has(s)) return 'logs or configuration';
    if (WEB_ROOTS.has(s)) return 'web server document root';
  }
  if (SERVER_DIR.test(base) || base.split(/[._-]/).includes('log')) return 'logs or configuration';
  return undefined;
}
