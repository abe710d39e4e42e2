/**
 * Group changes that grant administration: `usermod -aG sudo bob`, `useradd -G wheel x`,
 * `gpasswd -a bob sudo`, Debian's `adduser bob sudo`. A member of sudo or wheel becomes root with
 * their own password, so this is privilege escalation that survives the session, like a second
 * uid 0 account. Each tool names the group differently (an option value, the last operand, the
 * second operand), so each is read by its own option table here. One pass over the words.
 */
import type { Cmd } from './shell-ast.ts';

/**
 * Groups whose members administer the machine (sudo, wheel, admin, root = gid 0) or read and write what
 * root owns (disk: raw block devices; shadow: password hashes). docker and lxd are root-equivalent
 * too, but adding oneself to them is the documented install step, so they are left out.
 */
const ADMIN_GROUPS = new Set(['root', '0', 'sudo', 'wheel', 'admin', 'disk', 'shadow']);

/** Short options of useradd/usermod that take a value (`-G GROUPS`, `-s SHELL` …); the rest are flags. */
const USERMOD_VALUE = 'bcdefgGkKlpPRsuZ';
/** Long options of useradd/usermod that take the next word as their value. */
const USERMOD_LONG = new Set(['--base-dir', '--comment', '--home', '--home-dir', '--expiredate', '--inactive', '--gid', '--groups', '--skel', '--key', '--login', '--password', '--root', '--prefix', '--shell', '--uid', '--selinux-user', '--add-subuids', '--del-subuids', '--add-subgids', '--del-subgids']);
/** adduser/addgroup (Debian long options, BusyBox short ones) that take the next word. */
const ADDUSER_VALUE = /^(-[hgsGuk]|--(home|shell|uid|firstuid|lastuid|gid|firstgid|lastgid|ingroup|gecos|comment|conf|extrausers-file))$/;

const anyAdmin = (groups: string | undefined): boolean => (groups ?? '').toLowerCase().split(',').some((g) => ADMIN_GROUPS.has(g.trim()));

/** Group lists useradd/usermod are given (`-G a,b`, `-aGsudo`, `--groups=a`, `-g sudo`), with the option letters split per cluster. */
function usermodGroups(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(0, eq) : a;
      const value = eq > 0 ? a.slice(eq + 1) : USERMOD_LONG.has(key) ? args[++i] : undefined;
      if (key === '--groups' || key === '--gid') out.push(value ?? '');
      continue;
    }
    if (!a.startsWith('-')) continue;
    // A cluster (`-aG`): the first value-taking letter takes the rest of the word, or the next word.
    for (let k = 1; k < a.length; k++) {
      const letter = a[k] as string;
      if (!USERMOD_VALUE.includes(letter)) continue;
      const value = k < a.length - 1 ? a.slice(k + 1) : args[++i];
      if (letter === 'G' || letter === 'g') out.push(value ?? '');
      break;
    }
  }
  return out;
}

/** Operands of adduser/addgroup, option values skipped (`adduser --gecos "" bob sudo` → bob, sudo). */
function adduserOperands(args: string[]): { operands: string[]; groups: string[] } {
  const operands: string[] = [];
  const groups: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (ADDUSER_VALUE.test(a)) {
      const value = args[++i];
      // `--ingroup G` (Debian) and `-G G` (BusyBox) name the new user's group.
      if (a === '--ingroup' || a === '-G') groups.push(value ?? '');
    } else if (a.startsWith('--ingroup=')) groups.push(a.slice(10));
    else if (!a.startsWith('-')) operands.push(a);
  }
  return { operands, groups };
}

/** True when `c` puts a user into an administrative group (see the module comment). */
export function joinsAdminGroup(c: Cmd): boolean {
  const n = c.name;
  const a = c.args;
  if (n === 'usermod' || n === 'useradd') return usermodGroups(a).some(anyAdmin);
  // `gpasswd -a USER GROUP`, `-M USERS GROUP`, `-A ADMINS GROUP`: the group is the last operand.
  if (n === 'gpasswd') return a.some((x) => /^(-[aMA]|--(add|members|administrators))$/.test(x)) && anyAdmin(a[a.length - 1]);
  // Debian `adduser USER GROUP` / `addgroup USER GROUP` adds an existing user to a group.
  if (n === 'adduser' || n === 'addgroup') {
    const { operands, groups } = adduserOperands(a);
    return groups.some(anyAdmin) || (operands.length === 2 && anyAdmin(operands[1]));
  }
  return false;
}
