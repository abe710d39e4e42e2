/**
 * Rules over parsed shell commands. Two families:
 * - attacks (high/critical): destruction of the system, download-and-execute, reverse shells,
 *   obfuscation, persistence, privilege, disk wipes, fork bombs, anti-forensics, credential files;
 * - `shell.destructive` (medium): destructive but everyday commands (`rm -rf build`, `kill -9`,
 *   `git reset --hard`), which a policy should route to approval, not count as attacks.
 */
import type { Finding, Severity } from '../types.ts';
import { finding } from './common.ts';
import type { Cmd, Script } from './shell-ast.ts';
import { joinsAdminGroup } from './shell-accounts.ts';
import { findActions, literalOutput, MAX_FIND_ACTIONS, passesThrough, readsStdinScript, rewritesBeforeRunning, SH } from './shell-nested.ts';
import { readsStdinOperands } from './shell-wrappers.ts';
import { SECRET_DIRS } from './path-targets.ts';

const D = 'shell';
const FETCHERS = new Set(['curl', 'wget', 'fetch', 'lwp-download', 'lwp-request', 'aria2c', 'http', 'https', 'xh', 'tftp', 'ftp', 'scp', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'openssl']);
const INTERPRETERS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'csh', 'tcsh', 'fish', 'ash', 'busybox', 'python', 'python2', 'python3', 'perl', 'ruby', 'php', 'node', 'nodejs', 'lua', 'source', '.', 'eval', 'powershell', 'pwsh', 'iex', 'cmd', 'osascript']);
const DECODERS = new Set(['base64', 'base32', 'xxd', 'openssl', 'uudecode', 'gunzip', 'zcat', 'rev', 'tr']);
const NETCATS = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd']);
const SYSTEM_DIRS = ['/', '/etc', '/usr', '/bin', '/sbin', '/boot', '/var', '/lib', '/lib64', '/home', '/root', '/sys', '/proc', '/dev', '/opt', '/srv', '/usr/bin', '/usr/lib', '/usr/local', '/var/lib', '/system', '/library', '/applications', '/users', 'c:', 'c:/', 'c:/windows'];
const PERSIST_PATHS = ['/etc/cron', '/var/spool/cron', '/etc/crontab', '.ssh/authorized_keys', '.bashrc', '.bash_profile', '.profile', '.zshrc', '.zprofile', '.bash_login', '.bash_logout', '/etc/profile', '/etc/bash.bashrc', '/etc/systemd/', '.config/systemd/', '/lib/systemd/system', '/etc/init.d/', '/etc/rc.local', '/etc/ld.so.preload', '/etc/sudoers', '/etc/update-motd.d', '.config/autostart', 'launchagents/', 'launchdaemons/', '/etc/xdg/autostart'];
const CREDENTIAL_FILES = ['/etc/shadow', '/etc/gshadow', '/etc/passwd', '/etc/sudoers', '/etc/master.passwd', '/proc/self/environ', '.ssh/id_', '.aws/credentials', '.git-credentials', '.netrc', '.pgpass', '.kube/config', '.docker/config.json', '.gnupg/', '/var/run/secrets', '/repair/sam', 'system32/config/sam'];
/**
 * Whether a word is a directory of credentials as a whole (the path detector's SECRET_DIRS): the
 * directory itself or a glob in it (`~/.ssh`, `/root/.aws/`, `~/.ssh/*`, `f=@~/.ssh`,
 * `host:~/.ssh`), which holds the private keys CREDENTIAL_FILES names one by one.
 */
function credentialDir(w: string): boolean {
  const path = w.slice(Math.max(w.lastIndexOf('='), w.lastIndexOf('@'), w.lastIndexOf(':')) + 1).replace(/\/+$/, '');
  const segs = path.split('/');
  const last = segs[segs.length - 1] as string;
  return SECRET_DIRS.has(/[*?[]/.test(last) && segs.length > 1 ? (segs[segs.length - 2] as string) : last);
}
/** Commands that handle a directory without reading what is in it (`chmod 700 ~/.ssh`, `mkdir -p ~/.aws`). */
const DIRECTORY_ONLY = new Set(['ls', 'dir', 'mkdir', 'rmdir', 'chmod', 'chown', 'chgrp', 'cd', 'pushd', 'stat', 'test', '[', 'touch', 'du', 'find', 'echo', 'ssh', 'ssh-keygen', 'ssh-add', 'ssh-copy-id', 'setfacl', 'getfacl', 'restorecon']);
const HISTORY = ['.bash_history', '.zsh_history', '.history', '.sh_history', '/var/log/wtmp', '/var/log/btmp', '/var/log/lastlog', '/var/log/auth.log', '/var/log/secure'];
const WRITERS = new Set(['tee', 'cp', 'mv', 'ln', 'install', 'rsync', 'sed', 'truncate']);
/** The group database and its backup; sudoers and passwd/shadow are covered by the lists above. */
const GROUP_DB = /^\/etc\/(?:group|gshadow)-?$/;

const norm = (s: string): string => s.toLowerCase().replace(/\\/g, '/').replace(/\/+$/, '') || '/';
const flagsOf = (args: string[]): string => args.filter((a) => /^-[A-Za-z]/.test(a)).map((a) => a.slice(1)).join('');
const writes = (c: Cmd): string[] => c.redirects.filter((r) => r.op.includes('>')).map((r) => norm(r.target));

/**
 * Resolves `.` and `..` in an absolute or home path the way the kernel would, so `/usr/../`, `/.`
 * and `//` are the root and `~/..` is /home. Relative paths are left alone (their base is unknown).
 */
function collapse(t: string): string {
  const home = t === '~' || t.startsWith('~/');
  if (!home && !t.startsWith('/')) return t;
  // `~` stands for /home/<user>; `\0` marks the user so `~/.` maps back to `~`.
  const stack = home ? ['home', '\0'] : [];
  for (const seg of (home ? t.slice(1) : t).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') stack.pop();
    else stack.push(seg);
  }
  if (stack[0] === 'home' && stack[1] === '\0') return ['~', ...stack.slice(2)].join('/');
  return `/${stack.join('/')}`;
}

function isSystemTarget(raw: string): boolean {
  const t = collapse(raw);
  if (t === '~' || t === '~/' || /^\$\{?HOME\}?\/?\*?$/.test(t) || t === '/*' || t === '*' || t === '.*' || t === '~/*') return true;
  const p = norm(t).replace(/\/\*$/, '') || '/';
  return SYSTEM_DIRS.includes(p) || /^\/(etc|boot|bin|sbin|lib|lib64|sys|proc|dev)(\/|$)/.test(p);
}

/** True when an interpreter downstream of a pipe reads its program from stdin (`| sh`, `| python -`, not `| python -m json.tool`). */
function readsStdinCode(d: Cmd): boolean {
  // For sh and bash, `-e` is errexit, not code in an argument: `| bash -e` runs stdin.
  if (SH.has(d.name) || d.name === 'source' || d.name === '.') return readsStdinScript(d);
  // `| su`, `| sudo -s`, `| awk '{system($0)}'`, `| while read l; do $l; done` (shell-nested.ts).
  if (readsStdinScript(d)) return true;
  if (!INTERPRETERS.has(d.name)) return false;
  if (d.name === 'eval') return false;
  const opts = d.args.filter((x) => x.startsWith('-'));
  if (opts.some((o) => /^-[a-z]*[mce]$/i.test(o) || o === '-mjson.tool' || o.startsWith('-m'))) return false;
  const positional = d.args.filter((x) => !x.startsWith('-'));
  return positional.length === 0 || positional[0] === '-' || d.args.includes('-s');
}

/** A decoder run in decode mode (`base64 -d`, `xxd -r`, `openssl enc -d -base64`). */
function decodes(c: Cmd): boolean {
  const joined = c.args.map((x) => x.toLowerCase()).join(' ');
  return (DECODERS.has(c.name) && /(^|\s)(-d|--decode|-r|-D|-rp|-p -r|base64 -d|enc -d)(\s|$)/.test(` ${joined} `)) || (c.name === 'openssl' && /base64/.test(joined) && /-d/.test(joined));
}

/**
 * Literal text (echo, printf, a heredoc or here-string) that reaches an interpreter reading stdin
 * only through other stages: `echo … | tr 'A-Za-z' 'N-ZA-Mn-za-m' | sh`, `echo … | rev | sh`,
 * `rev <<< … | sh`. Piped straight in, the text is parsed and judged by what it runs
 * (shell-nested.ts), so `echo 'ls' | sh` stays clean; any stage in between means the code that runs
 * is not the text written, whatever the transformation, and only an evasion writes its own commands
 * in ROT13 or backwards. Pipelines through a decoder already get the critical rule above.
 */
function transformedIntoInterpreter(c: Cmd): boolean {
  const k = c.downstream.findIndex(readsStdinCode);
  if (k < 0) return false;
  // Stages that pass lines on unchanged (tee, grep, sort, cat …) transform nothing; the text is
  // judged as if piped straight in (shell-nested.ts). GNU sed's `s///e` rewrites each line before it
  // runs it, so that reader is a transformation of its own.
  const between = c.downstream.slice(0, rewritesBeforeRunning(c.downstream[k] as Cmd) ? k + 1 : k);
  if (between.some(decodes)) return false;
  const text = literalOutput(c);
  if (text !== undefined) return writesLiterals(text) && between.some((d) => !passesThrough(d));
  // A command fed literal text (`tr … <<< 'text' | sh`) is itself the transformation.
  return c.redirects.some((r) => r.op.startsWith('<<') && writesLiterals(r.target)) && !decodes(c) && (!passesThrough(c) || between.some((d) => !passesThrough(d)));
}

/** `$X`, `${X…}`, `$1`, `$@` …: text the shell fills in, which is data, not text written in the command. */
const EXPANSION = /\$(?:\{[^{}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/g;

/**
 * True when text holds something written literally, not only expansions. `echo $CMD | sed s/a/b/ | sh`
 * transforms a variable's content, which is judged like `echo $CMD | sh` (code from data, not an
 * evasion written in the command), so only literal text counts as transformed.
 */
const writesLiterals = (text: string): boolean => /[A-Za-z0-9]/.test(text.replace(EXPANSION, ''));

/**
 * How a command name computed by a substitution the parse could not resolve is judged: 'high' when
 * the substitution transforms literal text or decodes (`$(echo '/ fr- mr' | rev)`,
 * `` `base64 -d <<< …` ``, `$(tr a-z n-za-m <<< …)`): only an evasion spells its own command that
 * way; otherwise 'medium' (`$(cat cmd.txt) …`: the command is not visible, so it is not inspected).
 */
function computedNameSeverity(inName: Cmd[]): Severity {
  for (const d of inName) {
    if (decodes(d)) return 'high';
    const text = literalOutput(d);
    const fed = d.redirects.some((r) => r.op.startsWith('<<') && writesLiterals(r.target));
    if (text !== undefined && writesLiterals(text) && d.downstream.some((x) => !passesThrough(x))) return 'high';
    if (text === undefined && fed && (!passesThrough(d) || d.downstream.some((x) => !passesThrough(x)))) return 'high';
  }
  return 'medium';
}

/** Options of `find` that neither select files nor stop the walk: with only these, `find / -delete` deletes everything. */
const FIND_WIDE = new Set(['-delete', '-depth', '-d', '-xdev', '-mount', '-print', '-print0', '-true', '-follow', '-noleaf', '-ignore_readdir_race', '-daystart', '-mindepth', '-maxdepth', '-type', '-xtype']);
const FIND_ACTIONS = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** `find` start paths (before the expression) and whether any test narrows what its actions touch. */
function findScope(al: string[]): { starts: string[]; narrowed: boolean } {
  let i = 0;
  while (i < al.length && /^-[hlp]$|^-o\d$/.test(al[i] as string)) i++;
  const starts: string[] = [];
  while (i < al.length && !/^[-(!]/.test(al[i] as string)) starts.push(al[i++] as string);
  for (; i < al.length; i++) {
    const a = al[i] as string;
    if (FIND_ACTIONS.has(a)) {
      while (i < al.length && al[i] !== ';' && al[i] !== '+') i++;
    } else if (!FIND_WIDE.has(a)) return { starts, narrowed: true };
    else if (a === '-mindepth' || a === '-maxdepth' || a === '-type' || a === '-xtype') i++;
  }
  return { starts, narrowed: false };
}

/** Each downloader's option naming the file it writes. */
const SAVE_AS: Record<string, { short: string; long: string }> = { curl: { short: 'o', long: '--output' }, wget: { short: 'O', long: '--output-document' }, aria2c: { short: 'o', long: '--out' } };

/** Files a downloader writes (`curl -o F`, `curl -sSLo F`, `curl -oF`, `wget -O F`, `--output-document=F`). */
function downloadTargets(n: string, a: string[]): string[] {
  const opt = SAVE_AS[n];
  if (!opt) return [];
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    if (x === opt.long || (/^-[a-zA-Z]+$/.test(x) && x.endsWith(opt.short))) out.push(a[++i] ?? '');
    else if (x.startsWith(`${opt.long}=`)) out.push(x.slice(opt.long.length + 1));
    else if (x.startsWith(`-${opt.short}`) && x.length > 2) out.push(x.slice(2));
  }
  return out.map(norm);
}

/** Applies every rule to a parsed script. `inject` marks commands that came from an argument value. */
export function applyRules(s: Script, out: Finding[]): void {
  /** Where findings go: `out`, or a find action's own list until it is merged (see the loop at the end). */
  let sink = out;
  const push = (rule: string, severity: Severity, msg: string, c?: Cmd): void => {
    sink.push(finding(D, rule, severity, msg, c?.start, c?.end));
  };
  const names = new Set(s.cmds.map((c) => c.name));
  // `echo / | xargs rm -rf`, `echo / | parallel rm -rf`: the literal words piped into an xargs or
  // parallel command are its operands too.
  const piped = new Map<Cmd, string[]>();
  for (const c of s.cmds) {
    const next = c.downstream[0];
    if (next && readsStdinOperands(next.via)) {
      const text = literalOutput(c);
      if (text !== undefined) piped.set(next, text.split(/\s+/).filter(Boolean));
    }
  }
  const judge = (c: Cmd): void => {
    const n = c.name;
    const a = c.args;
    const al = a.map((x) => x.toLowerCase());
    const flags = flagsOf(a);
    const joined = al.join(' ');
    const rawl = c.rawArgs.map(norm);
    const allWords = [...al, ...rawl, ...writes(c)];

    // --- destruction of the system ---
    if (n === 'rm' || n === 'srm' || n === 'unlink' || n === 'rmdir') {
      const rec = /[rRf]/.test(flags) || al.includes('--recursive') || al.includes('--force');
      const targets = [...a.filter((x) => !x.startsWith('-')), ...(piped.get(c) ?? [])];
      if (al.includes('--no-preserve-root') || (rec && !/i/.test(flags) && targets.some(isSystemTarget))) push('shell.rm-system', 'critical', 'recursive delete of the root, home or a system directory', c);
      else if (rec || targets.some((t) => t.includes('*'))) push('shell.destructive', 'medium', 'recursive or wildcard delete', c);
    }
    // A command named by an expansion the parse could not resolve (`$x -rf /`, `$(cat f) -rf /`) with rm's arguments.
    if (/^(\$[{(A-Za-z_]|`)/.test(c.rawName) && /[rR]/.test(flags) && a.some((x) => !x.startsWith('-') && isSystemTarget(x))) {
      push('shell.hidden-command', 'critical', 'command named by an expansion, with recursive arguments on the root or a system directory', c);
    } else if (c.nameSubst) {
      const sev = computedNameSeverity(c.nameSubst);
      push('shell.hidden-command', sev, sev === 'high' ? 'command named by a substitution that transforms or decodes literal text (the command that runs is not written)' : 'command named by a command substitution; the command that runs is not visible', c);
    }
    // Deleting actions are read from the commands find runs (`-exec sudo rm`, `-exec /bin/rm`, `-exec sh -c 'rm -rf "$0"' {}`).
    const actions = findActions(c);
    const deletes = actions.some((x) => (x.op === '-exec' || x.op === '-execdir') && (x.cmd.name === 'rm' || x.cmd.name === 'shred'));
    if (n === 'find' && (al.includes('-delete') || deletes)) {
      const { starts, narrowed } = findScope(al);
      // Only absolute or home start paths: `find '.*'` is the dot files here, not a system target.
      if (!narrowed && starts.some((t) => /^([/~]|\$\{?home\b)/.test(t) && isSystemTarget(t))) push('shell.rm-system', 'critical', 'find deletes everything under the root, home or a system directory', c);
    }
    if ((n === 'dd' && al.some((x) => /^of=\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|disk|md|dm-|mapper)/.test(x))) || (/^mkfs/.test(n) || n === 'wipefs' || n === 'fdisk' || n === 'sfdisk' || n === 'parted') && al.some((x) => x.startsWith('/dev/'))) {
      push('shell.disk-wipe', 'critical', 'writes to or formats a block device', c);
    } else if (n === 'shred' && al.some((x) => x.startsWith('/dev/'))) push('shell.disk-wipe', 'critical', 'shreds a block device', c);
    if (writes(c).some((w) => /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|disk)/.test(w))) push('shell.disk-wipe', 'critical', 'redirects output onto a block device', c);
    const operands = a.filter((x) => !x.startsWith('-'));
    if (n === 'chmod' && operands.slice(1).some((t) => t !== '*' && isSystemTarget(t)) && /(^|\s)(0?777|0?666|[ugoa]*[+=][rwx]*w|[ugoa]*\+[rwx]*s|[4-7][0-7]{3})(\s|$)/.test(joined)) {
      push('shell.chmod-system', 'high', 'opens permissions on a system path', c);
    } else if ((n === 'chown' || n === 'chgrp') && operands.slice(1).some((t) => t === '/' || SYSTEM_DIRS.includes(norm(t)))) {
      push('shell.chmod-system', 'high', 'changes ownership of a system directory', c);
    }
    if (n === 'chmod' && /(^|\s)([ugoa]*u[ugoa]*\+[rwx]*s|\+[rwx]*s|[4-7][0-7]{3})(\s|$)/.test(joined)) {
      push('shell.setuid', 'high', 'sets the setuid bit', c);
    }

    // --- download and execute ---
    if (FETCHERS.has(n) && n !== 'openssl' && c.downstream.some(readsStdinCode)) push('shell.download-exec', 'critical', 'pipes downloaded content into an interpreter', c);
    if (INTERPRETERS.has(n) && c.nested.some((d) => FETCHERS.has(d.name))) push('shell.download-exec', 'critical', 'executes the output of a download', c);
    if ((c.rawName.includes('$(') || c.rawName.includes('`')) && c.nested.some((d) => FETCHERS.has(d.name))) push('shell.download-exec', 'critical', 'runs a command named by downloaded content', c);
    if (INTERPRETERS.has(n) && c.redirects.some((r) => r.op === '<' && /^https?:|\/dev\/tcp/.test(r.target))) push('shell.download-exec', 'critical', 'feeds a network stream into an interpreter', c);

    // --- encoded payloads ---
    if (decodes(c) && c.downstream.some(readsStdinCode)) push('shell.encoded-exec', 'critical', 'decodes an encoded payload into an interpreter', c);
    if (transformedIntoInterpreter(c)) push('shell.encoded-exec', 'high', 'literal text is transformed before an interpreter runs it (the code that runs is not the text written)', c);
    if (INTERPRETERS.has(n) && c.nested.some((d) => DECODERS.has(d.name))) push('shell.encoded-exec', 'critical', 'executes decoded content', c);

    // --- reverse shells ---
    const devTcp = (x: string): boolean => /\/dev\/(tcp|udp)\//.test(x);
    if (c.redirects.some((r) => devTcp(r.target)) || al.some(devTcp)) push('shell.reverse-shell', 'critical', 'connects a shell or data to /dev/tcp', c);
    if (NETCATS.has(n) && (/[ec]/.test(flags) || al.includes('--exec') || al.includes('--sh-exec') || c.downstream.some((d) => INTERPRETERS.has(d.name)))) push('shell.reverse-shell', 'critical', 'netcat executing a shell', c);
    if (n === 'socat' && /exec:|system:|pty/.test(joined)) push('shell.reverse-shell', 'critical', 'socat spawning a program on a socket', c);
    if (/^(python[23]?|perl|ruby|php|node|lua)$/.test(n) && /socket|fsockopen|tcpsocket|net\.socket|require\(['"]net/.test(joined) && /(subprocess|pty|exec|dup2|spawn|\/bin\/|proc_open|system|popen|sh\b)/.test(joined)) {
      push('shell.reverse-shell', 'critical', 'interpreter one-liner opening a socket to a shell', c);
    }
    if ((n === 'mkfifo' || (n === 'mknod' && al.includes('p'))) && [...names].some((x) => NETCATS.has(x) || x === 'telnet' || x === 'openssl')) push('shell.reverse-shell', 'critical', 'named pipe relayed through a network tool', c);
    if ((n === 'telnet' || (n === 'openssl' && al[0] === 's_client')) && c.downstream.some((d) => INTERPRETERS.has(d.name))) push('shell.reverse-shell', 'critical', 'network client piped into a shell', c);
    // gawk's special files /inet/tcp/… are sockets: an awk program using one is a network shell.
    if (/^[gmn]?awk$/.test(n) && al.some((x) => /\/inet[46]?\/(tcp|udp)\//.test(x))) push('shell.reverse-shell', 'critical', 'awk program opening a network socket', c);
    if (/^(bash|sh|zsh|dash)$/.test(n) && al.includes('-i') && c.redirects.some((r) => r.op.includes('&') || devTcp(r.target))) push('shell.reverse-shell', 'critical', 'interactive shell with redirected descriptors', c);

    // --- obfuscation ---
    if (c.expands.includes('IFS') && n !== 'read' && !c.assigns.some((x) => x.startsWith('IFS='))) push('shell.ifs-obfuscation', 'high', 'uses $IFS to hide spaces in a command', c);

    // --- persistence ---
    if (n === 'crontab') {
      if (al.includes('-r')) push('shell.destructive', 'medium', 'removes a crontab', c);
      else if (!al.includes('-l')) push('shell.persistence', 'high', 'installs or edits a crontab', c);
    }
    const written = [...writes(c), ...(WRITERS.has(n) ? al.filter((x) => !x.startsWith('-')).slice(n === 'tee' ? 0 : -1) : []), ...downloadTargets(n, a)];
    if (written.some((w) => PERSIST_PATHS.some((p) => w.includes(p)))) push('shell.persistence', 'high', 'writes a startup, cron, SSH key or service file', c);
    if (n === 'systemctl' && /\benable\b/.test(joined)) push('shell.destructive', 'medium', 'enables a service at boot', c);

    // --- anti-forensics ---
    if ((n === 'history' && /(^|\s)-c|-w\s*\/dev\/null/.test(joined)) || (n === 'unset' && al.some((x) => x.startsWith('hist'))) || c.assigns.some((x) => /^HIST(FILE|SIZE|FILESIZE)=(\/dev\/null|0)?$/.test(x)) || (n === 'set' && joined.includes('+o history'))) {
      push('shell.history-wipe', 'high', 'disables or clears shell history', c);
    }
    if ((n === 'rm' || n === 'shred' || n === 'ln' || n === 'truncate') && allWords.some((w) => HISTORY.some((h) => w.endsWith(h)))) push('shell.history-wipe', 'high', 'removes shell history or login records', c);
    if (c.name === '' && writes(c).some((w) => HISTORY.some((h) => w.endsWith(h)))) push('shell.history-wipe', 'high', 'truncates shell history', c);

    // --- credentials and account databases ---
    if (n !== 'ssh-keygen' && allWords.some((w) => CREDENTIAL_FILES.some((p) => w.includes(p)))) push('shell.sensitive-file', 'high', 'reads or writes a credential or account file', c);
    else if (!DIRECTORY_ONLY.has(n) && allWords.some(credentialDir)) push('shell.sensitive-file', 'high', 'reads or writes a whole directory of credentials (~/.ssh, ~/.aws …)', c);
    // Reading /etc/group is everyday; writing it adds members to groups (`echo 'sudo:x:27:bob' >> /etc/group`),
    // what usermod -aG does. `sed` writes its file only with -i.
    const dbWrites = n === 'sed' && !al.some((x) => /^-[a-z]*i|^--in-place/.test(x)) ? writes(c) : [...written, ...(n === 'dd' ? al.filter((x) => x.startsWith('of=')).map((x) => x.slice(3)) : [])];
    if (dbWrites.some((w) => GROUP_DB.test(collapse(w)))) push('shell.account-change', 'high', 'writes the group database (/etc/group, /etc/gshadow)', c);
    // A second uid 0 account is a root login that survives password changes on root.
    if ((n === 'useradd' || n === 'adduser' || n === 'usermod') && /\s(-[a-z]*u|--uid)(\s+|=)?0+\s/.test(` ${joined} `)) push('shell.account-change', 'high', 'creates or changes a user with uid 0 (a second root)', c);
    const joins = joinsAdminGroup(c);
    if (joins === 'high') push('shell.account-change', 'high', 'adds a user to an administrative group (sudo, wheel, root …)', c);
    else if (joins === 'medium') push('shell.account-change', 'medium', "makes root (gid 0) a user's primary group", c);

    // --- Windows account, firewall and registry tampering ---
    if (n === 'net' && /\/add\b/.test(joined) && /\b(user|localgroup)\b/.test(joined)) push('shell.account-change', 'high', 'adds a Windows user or group member', c);
    if (n === 'netsh' && /(opmode|state)\s+(disable|off)/.test(joined)) push('shell.defense-evasion', 'high', 'disables the Windows firewall', c);
    if (n === 'reg' && /^(add|delete|import)$/.test(al[0] ?? '') && /hklm|hkey_local_machine|currentversion\\run|terminal server/.test(c.rawArgs.join(' ').toLowerCase())) push('shell.persistence', 'high', 'changes machine-wide registry keys', c);

    // --- destructive but legitimate ---
    if ((n === 'kill' || n === 'pkill' || n === 'killall') && /(^|\s)-(9|kill|sigkill|s\s+kill)(\s|$)/.test(` ${joined} `)) push('shell.destructive', 'medium', 'force-kills processes', c);
    else if (n === 'killall' || n === 'pkill') push('shell.destructive', 'medium', 'kills processes by name', c);
    if (n === 'git' && (/reset --hard|clean -[a-z]*f|push .*(-f\b|--force)|branch -d|checkout -- \.|stash (drop|clear)/.test(joined))) push('shell.destructive', 'medium', 'discards git history or work', c);
    if (/^(shutdown|reboot|halt|poweroff|init)$/.test(n)) push('shell.destructive', 'medium', 'stops or restarts the machine', c);
    if (n === 'find' && (al.includes('-delete') || deletes || /-exec(dir)? (rm|shred)/.test(joined))) push('shell.destructive', 'medium', 'deletes files found by find', c);
    // `-exec sh -c {} \;`, `-exec {} \;`: each file found is run as a command; what runs is not visible (like `$(cat f)` as a name).
    if (actions.some((x) => /^[^\s]*\{\}$/.test(x.cmd.rawName) && !looksUpOnly(x.cmd))) push('shell.hidden-command', 'medium', 'find runs the files it finds as commands (their names as code); what runs is not visible', c);
    if (n === 'rm' || n === 'shred' || n === 'truncate' || n === 'dd' || /^mkfs/.test(n) || n === 'wipefs') {
      if (!sink.some((f) => f.rule !== 'shell.destructive' && f.start === c.start)) push('shell.destructive', 'medium', `runs ${n}`, c);
    }
    if ((n === 'docker' || n === 'podman') && /\b(rm|rmi|prune|kill)\b/.test(joined)) push('shell.destructive', 'medium', 'removes containers or images', c);
    if (n === 'kubectl' && /\b(delete|drain|scale)\b/.test(joined)) push('shell.destructive', 'medium', 'deletes cluster resources', c);
    if ((n === 'chmod' || n === 'chown') && /(^|\s)-r/i.test(joined)) push('shell.destructive', 'medium', 'recursive permission change', c);
    if (/^(userdel|deluser|groupdel|iptables|ufw)$/.test(n) && /-f|-d|--flush|del|-x|disable|reset/.test(joined)) push('shell.destructive', 'medium', 'changes accounts or firewall', c);
    if (n === 'rsync' && al.includes('--delete')) push('shell.destructive', 'medium', 'mirror with delete', c);
  };

  for (const c of s.cmds) {
    judge(c);
    // What find runs meets the same rules as a command of its own (`-exec dd of=/dev/sda \;`, `-exec usermod -aG sudo bob \;`),
    // `{}` an unknown word; a finding the find command already has (same rule, severity and span) is not repeated.
    const actions = findActions(c);
    if (actions.length === 0) continue;
    if (actions.length > MAX_FIND_ACTIONS) push('shell.too-complex', 'medium', `find runs more than ${MAX_FIND_ACTIONS} commands; the rest were not inspected`, c);
    const own: Finding[] = [];
    sink = own;
    // A find that selects everything under its start paths runs its actions on those paths and all
    // below: `find /etc -exec chmod 777 {} \;` is `chmod 777 /etc` for each file, so `{}` stands
    // for each start (at most a few). A narrowed find (`-name`, `-newer` …) leaves `{}` unknown.
    // Narrowed, it still selects only what lies under its starts: under a directory of credentials
    // (`find ~/.ssh -name 'id_*' -exec curl -F f=@{} …`) `{}` stands for a glob in it.
    const scope = c.name === 'find' ? findScope(c.args.map((x) => x.toLowerCase())) : undefined;
    const starts = scope && !scope.narrowed ? scope.starts.slice(0, 4) : [];
    const credentialStarts = scope?.narrowed ? scope.starts.filter(credentialDir).slice(0, 4) : [];
    for (const x of actions.slice(0, MAX_FIND_ACTIONS)) {
      judge(x.cmd);
      if (!x.cmd.args.some((w) => w.includes('{}'))) continue;
      for (const start of starts) judge(withFiles(x.cmd, start));
      for (const start of credentialStarts) judge(withFiles(x.cmd, `${start.replace(/\/+$/, '')}/*`));
    }
    sink = out;
    for (const f of own) if (!out.some((g) => g.rule === f.rule && g.severity === f.severity && g.start === f.start && g.end === f.end)) out.push(f);
  }

  // --- fork bomb: a function that pipes into itself in the background ---
  for (const f of s.functions) {
    if (f.selfPipe) out.push(finding(D, 'shell.fork-bomb', 'critical', 'function recursively pipes into itself (fork bomb)'));
  }
}

/** A find action's command with `{}` standing for `path`. */
function withFiles(c: Cmd, path: string): Cmd {
  // GNU find puts the name in wherever `{}` stands in a word (`f=@{}`), not only for a whole `{}`.
  const put = (w: string): string => w.replaceAll('{}', path);
  return { ...c, args: c.args.map(put), rawArgs: c.rawArgs.map(put) };
}

/**
 * `command -v {}`, `builtin -V x`: the wrapper only looks the name up, nothing runs. Only the
 * wrapper's own options count (`command {} -v` runs `{}` with `-v`).
 */
function looksUpOnly(c: Cmd): boolean {
  const w = c.via?.at(-1);
  if (w !== 'command' && w !== 'builtin') return false;
  // The words after the wrapper itself (`sudo command -v {}`: after `command`; first word: all).
  const from = c.rawArgs.lastIndexOf(w, c.rawArgs.indexOf(c.rawName)) + 1;
  for (const a of c.rawArgs.slice(from)) {
    if (a === '--' || !a.startsWith('-')) return false;
    if (/^-[a-zA-Z]*[vV]/.test(a)) return true;
  }
  return false;
}
