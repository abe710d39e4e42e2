/**
 * Group changes that grant administration: `usermod -aG sudo bob`, `useradd -G wheel x`,
 * `gpasswd -a bob sudo`, `groupmems -g sudo -a bob`, libuser's `lgroupmod -M bob wheel`, Debian's `adduser bob sudo`. A member of sudo
 * or wheel becomes root with their own password, so this is privilege escalation that survives the
 * session, like a second uid 0 account. Each tool names the group differently (an option value, the
 * first or last operand), so each is read with its own getopt table here, the way the tool itself
 * parses its words (clusters `-aG`, attached values `-Gsudo`, `--groups=x`, unique long prefixes
 * `--gro`, operands anywhere, `--`). One pass over the words.
 */
import type { Cmd } from './shell-ast.ts';
import { getopt, type Getopt } from './shell-getopt.ts';

/**
 * Groups whose members administer the machine (sudo, wheel, admin, root = gid 0; gid 10 is wheel on
 * RHEL, 27 sudo on Debian) or read and write what root owns (disk: raw block devices; shadow:
 * password hashes). docker and lxd are root-equivalent too, but adding oneself to them is the
 * documented install step, so they are left out.
 */
const ADMIN_GROUPS = new Set(['root', '0', '10', '27', 'sudo', 'wheel', 'admin', 'disk', 'shadow']);
/** Root as a primary group: common for service users in container images (OpenShift runs as gid 0), so medium. */
const ROOT_GROUP = new Set(['root', '0']);

/** shadow-utils' own tables (usermod.c, useradd.c, gpasswd.c, groupmems.c, groupmod.c). */
const USERMOD: Getopt = {
  short: 'abc:d:e:f:g:G:hl:Lmop:rR:s:u:UP:v:w:V:W:Z:',
  long: {
    append: ['a', false], badname: ['b', false], badnames: ['b', false], comment: ['c', true], home: ['d', true], expiredate: ['e', true], inactive: ['f', true],
    gid: ['g', true], groups: ['G', true], help: ['h', false], login: ['l', true], lock: ['L', false], 'move-home': ['m', false], 'non-unique': ['o', false],
    password: ['p', true], prefix: ['P', true], remove: ['r', false], root: ['R', true], shell: ['s', true], uid: ['u', true], unlock: ['U', false],
    'add-subuids': ['v', true], 'del-subuids': ['V', true], 'add-subgids': ['w', true], 'del-subgids': ['W', true], 'selinux-user': ['Z', true], 'selinux-range': ['~', true],
  },
};
const USERADD: Getopt = {
  short: 'b:c:d:De:f:g:G:hk:K:lmMNop:rR:P:s:u:UZ:',
  long: {
    'base-dir': ['b', true], 'btrfs-subvolume-home': ['~', false], badname: ['~', false], badnames: ['~', false], comment: ['c', true], 'home-dir': ['d', true], defaults: ['D', false],
    expiredate: ['e', true], inactive: ['f', true], gid: ['g', true], groups: ['G', true], help: ['h', false], skel: ['k', true], key: ['K', true], 'no-log-init': ['l', false],
    'create-home': ['m', false], 'no-create-home': ['M', false], 'no-user-group': ['N', false], 'non-unique': ['o', false], password: ['p', true], system: ['r', false],
    root: ['R', true], prefix: ['P', true], shell: ['s', true], uid: ['u', true], 'user-group': ['U', false], 'selinux-user': ['Z', true], 'selinux-range': ['~', true],
  },
};
const GPASSWD: Getopt = {
  short: 'a:d:ghM:rRQ:A:',
  long: { add: ['a', true], delete: ['d', true], help: ['h', false], 'remove-password': ['r', false], restrict: ['R', false], administrators: ['A', true], members: ['M', true], root: ['Q', true] },
};
const GROUPMEMS: Getopt = {
  short: 'a:d:g:hlpR:P:',
  long: { add: ['a', true], delete: ['d', true], group: ['g', true], help: ['h', false], list: ['l', false], purge: ['p', false], root: ['R', true], prefix: ['P', true] },
};
const GROUPMOD: Getopt = {
  short: 'ag:hn:op:R:P:U:',
  long: { append: ['a', false], gid: ['g', true], help: ['h', false], 'new-name': ['n', true], 'non-unique': ['o', false], password: ['p', true], root: ['R', true], prefix: ['P', true], users: ['U', true] },
};

/** libuser's lgroupmod (lgroupmod.c, popt): -M/--member-add and -A/--admin-add add; -m and -a remove. */
const LGROUPMOD: Getopt = {
  short: 'A:a:g:iLM:m:n:P:p:U',
  long: {
    'admin-add': ['A', true], 'admin-remove': ['a', true], gid: ['g', true], interactive: ['i', false], lock: ['L', false], 'member-add': ['M', true],
    'member-remove': ['m', true], name: ['n', true], plainpassword: ['P', true], password: ['p', true], unlock: ['U', false],
  },
};

const groupsIn = (values: string[] | undefined): string[] => (values ?? []).flatMap((v) => v.toLowerCase().split(',')).map((g) => g.trim());
const anyAdmin = (values: string[] | undefined): boolean => groupsIn(values).some((g) => ADMIN_GROUPS.has(g));

/** adduser/addgroup (Debian long options, BusyBox short ones) that take the next word. */
const ADDUSER_VALUE = /^(-[hgsGuk]|--(home|shell|uid|firstuid|lastuid|gid|firstgid|lastgid|ingroup|gecos|comment|conf|extrausers-file))$/;

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

/**
 * How far `c` puts a user into an administrative group (see the module comment): 'high' for
 * membership of sudo, wheel, root …; 'medium' for root (gid 0) as a user's primary group only,
 * which container images do for service users; undefined otherwise. `usermod -rG sudo bob`
 * removes from the group and is not a finding.
 */
export function joinsAdminGroup(c: Cmd): 'high' | 'medium' | undefined {
  const n = c.name;
  // Same-input variables resolved (`G=sudo; usermod -aG $G bob`); the rest stay as written.
  const a = c.resolvedArgs ?? c.args;
  if (n === 'usermod' || n === 'useradd') {
    const { opts } = getopt(a, n === 'usermod' ? USERMOD : USERADD);
    // usermod's -r with -G removes the user from those groups; useradd's -r is a system account.
    const removes = n === 'usermod' && opts.has('r');
    if (!removes && anyAdmin(opts.get('G'))) return 'high';
    const primary = groupsIn(opts.get('g'));
    if (primary.some((g) => ADMIN_GROUPS.has(g) && !ROOT_GROUP.has(g))) return 'high';
    return primary.some((g) => ROOT_GROUP.has(g)) ? 'medium' : undefined;
  }
  // `gpasswd -a USER GROUP`, `-M USERS GROUP`, `-A ADMINS GROUP`: the group is the first operand (`gpasswd sudo -a bob` too).
  if (n === 'gpasswd') {
    const { opts, operands } = getopt(a, GPASSWD);
    const grants = opts.has('a') || opts.has('A') || groupsIn(opts.get('M')).some((u) => u !== '');
    return grants && anyAdmin(operands.slice(0, 1)) ? 'high' : undefined;
  }
  // `groupmems -g GROUP -a USER` (without -g it edits the caller's own group).
  if (n === 'groupmems') {
    const { opts } = getopt(a, GROUPMEMS);
    return opts.has('a') && anyAdmin(opts.get('g')) ? 'high' : undefined;
  }
  // `groupmod -U USERS [-a] GROUP` sets (or with -a appends) the group's members.
  if (n === 'groupmod') {
    const { opts, operands } = getopt(a, GROUPMOD);
    return groupsIn(opts.get('U')).some((u) => u !== '') && anyAdmin(operands.slice(-1)) ? 'high' : undefined;
  }
  // libuser `lgroupmod -M USERS GROUP` (members) / `-A USERS GROUP` (group administrators, like gpasswd -A).
  if (n === 'lgroupmod') {
    const { opts, operands } = getopt(a, LGROUPMOD);
    const grants = [...groupsIn(opts.get('M')), ...groupsIn(opts.get('A'))].some((u) => u !== '');
    return grants && anyAdmin(operands.slice(-1)) ? 'high' : undefined;
  }
  // Debian `adduser USER GROUP` / `addgroup USER GROUP` adds an existing user to a group.
  if (n === 'adduser' || n === 'addgroup') {
    const { operands, groups } = adduserOperands(a);
    return groups.some((g) => anyAdmin([g])) || (operands.length === 2 && anyAdmin([operands[1] as string])) ? 'high' : undefined;
  }
  return undefined;
}
