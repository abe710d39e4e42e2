/**
 * Wrapper commands (`sudo`, `env`, `xargs`, `timeout` …) run their operand as the real command.
 * Which words before it are option values differs per wrapper: `-i` is a flag to env and sudo but
 * takes a value in ionice, `-E` is a flag to sudo and a value to xargs. One shared list of
 * value-taking options let `env -i rm -rf /` hide `rm` as "the value of -i", so each wrapper has
 * its own table here. Options not listed are read as flags: a wrong guess then names an option
 * value as the command (a miss for that word), never skips a real command.
 */

interface Wrapper {
  /** Short option letters that take a value (`-u root` or `-uroot`). */
  readonly short?: string;
  /** Long options that take a value when not written `--opt=value`. */
  readonly long?: readonly string[];
  /** Positional operands before the command (`timeout DURATION`, `chroot NEWROOT`). */
  readonly operands?: number;
  /** A leading numeric operand is a value (`nice -10`, `timeout 5`), not the command. */
  readonly number?: boolean;
}

/** GNU parallel's short options that take a value (the rest of the word or the next word). */
const PARALLEL_SHORT_VALUE = 'aCdEIjJLnNPsSW';
/** GNU parallel's long options that take the next word when not written `--opt=value`. */
const PARALLEL_LONG_VALUE = [
  '--arg-file', '--colsep', '--delimiter', '--eof', '--jobs', '--max-procs', '--profile', '--max-lines', '--max-args', '--max-replace-args', '--max-chars', '--sshlogin',
  '--sshloginfile', '--slf', '--tmpdir', '--workdir', '--wd', '--env', '--halt', '--halt-on-error', '--joblog', '--results', '--res', '--timeout', '--delay', '--retries',
  '--load', '--memfree', '--nice', '--block', '--block-size', '--basefile', '--bf', '--return', '--transferfile', '--tf', '--tagstring', '--tag-string', '--header', '--rpl',
  '--ssh', '--termseq', '--limit', '--recstart', '--recend', '--arg-sep', '--arg-file-sep', '--sshdelay', '--ctagstring',
];
/** GNU parallel's input-source separators: `:::` (the words after it), `::::` (files of lines), and their `+` (linked) forms. */
const PARALLEL_SEPARATOR = /^::::?\+?$/;

/**
 * True when a wrapper hands its program operands from stdin: xargs appends the words it reads, GNU
 * parallel each line it reads (one argument per line).
 */
export const readsStdinOperands = (via: readonly string[] | undefined): boolean => via !== undefined && (via.includes('xargs') || via.includes('parallel'));

const W: Record<string, Wrapper> = {
  sudo: { short: 'ugpCrtUDRTh', long: ['--user', '--group', '--prompt', '--close-from', '--role', '--type', '--other-user', '--chdir', '--chroot', '--command-timeout', '--host'] },
  doas: { short: 'uC' },
  env: { short: 'uCS', long: ['--unset', '--chdir', '--split-string'] },
  nohup: {},
  time: { short: 'fo', long: ['--format', '--output'] },
  nice: { short: 'n', long: ['--adjustment'], number: true },
  ionice: { short: 'cnpPu', long: ['--class', '--classdata', '--pid', '--pgid', '--uid'] },
  timeout: { short: 'sk', long: ['--signal', '--kill-after'], operands: 1 },
  stdbuf: { short: 'ioe', long: ['--input', '--output', '--error'] },
  exec: { short: 'a' },
  command: {},
  builtin: {},
  // GNU xargs: -i, -l and -e take their value only attached (`-i{}`), so alone they are flags.
  xargs: { short: 'IaLndPsE', long: ['--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-chars', '--max-lines', '--process-slot-var'] },
  // GNU parallel: `parallel [options] CMD ARGS… ::: INPUTS…` runs CMD ARGS INPUT per input (see `unwrap`).
  parallel: { short: PARALLEL_SHORT_VALUE, long: PARALLEL_LONG_VALUE },
  busybox: {},
  strace: { short: 'oepsuEaIbOSPX', long: ['--output', '--expr', '--attach', '--string-limit', '--user', '--env'] },
  watch: { short: 'nq', long: ['--interval', '--equexit'] },
  unbuffer: {},
  setsid: {},
  chroot: { long: ['--userspec', '--groups'], operands: 1 },
  torsocks: { short: 'upaP', long: ['--user', '--pass', '--address', '--port'] },
  proxychains: { short: 'f' },
  proxychains4: { short: 'f' },
  // With no program pkexec runs root's shell, which then reads its script from stdin.
  pkexec: { long: ['--user'] },
};

/**
 * util-linux `runuser -u USER [--] COMMAND…` runs COMMAND itself, like sudo -u; without `-u` it is su
 * (`runuser -l root -c …`, `runuser root`), whose operands are a user and shell arguments, not a command.
 */
const RUNUSER: Wrapper = { short: 'ugGswc', long: ['--user', '--group', '--supp-group', '--shell', '--whitelist-environment', '--command', '--session-command'] };

/** True when runuser's words give `-u USER` / `--user USER` before any operand (the command form). */
function runuserRunsCommand(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--' || !a.startsWith('-') || a === '-') return false;
    if (a === '--user' || a.startsWith('--user=')) return true;
    if (!a.startsWith('--') && /^-[a-zA-Z]*u/.test(a)) {
      // `-u` inside a cluster takes its value unless a value-taking letter came first (`-gu` is `-g u`).
      const at = a.indexOf('u');
      if (![...a.slice(1, at)].some((l) => RUNUSER.short?.includes(l))) return true;
    }
    i += optionWidth(RUNUSER, a) - 1;
  }
  return false;
}

/** True for a program that only runs another one (`sudo`, `env`, `nohup` …): with none given, its operands name the program. */
export const isWrapper = (name: string): boolean => Object.hasOwn(W, name);

const base = (s: string): string => s.slice(s.lastIndexOf('/') + 1).toLowerCase();
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Words an option word consumes: 1, or 2 when its value is the next word. */
function optionWidth(w: Wrapper, a: string): number {
  if (a.startsWith('--')) return a.includes('=') || !w.long?.includes(a) ? 1 : 2;
  // A short cluster (`-Eu`): the first value-taking letter takes the rest of the word, or the next word.
  for (let k = 1; k < a.length; k++) {
    if (w.short?.includes(a[k] as string)) return k === a.length - 1 ? 2 : 1;
  }
  return 1;
}

/**
 * `| parallel`, `| parallel -j4`: GNU parallel left with no command by {@link unwrap} runs each line it
 * reads as one, unless `-a`/`--arg-file`, `--pipe` or `--dry-run` say otherwise or input sources
 * follow (`::: …`). An option not listed is read as a flag, so a wrong guess sees a command (a miss).
 */
export function parallelRunsLines(args: readonly string[]): boolean {
  const w = W.parallel as Wrapper;
  for (let i = 0; i < args.length; i += optionWidth(w, args[i] as string)) {
    const a = args[i] as string;
    if (!a.startsWith('-') || a === '-' || a === '--') return false;
    if (a.startsWith('--')) {
      const key = a.split('=', 1)[0] as string;
      if (key === '--arg-file' || key === '--pipe' || key === '--pipepart' || key === '--dry-run' || key === '--dryrun') return false;
    } else if ([...a.slice(1)].find((l) => w.short?.includes(l)) === 'a') return false; // -a FILE, also in a cluster (-ka, not -ja)
  }
  return true;
}

/** `env -S 'rm -rf /'` / `env --split-string=…`: the string is split into the command and its arguments. */
function splitString(a: string, next: string | undefined): string[] | undefined {
  if (a === '-S' || a === '--split-string') return next?.split(/\s+/).filter(Boolean);
  if (a.startsWith('--split-string=')) return a.slice(15).split(/\s+/).filter(Boolean);
  if (/^-[iv0]*S./.test(a)) return a.slice(a.indexOf('S') + 1).split(/\s+/).filter(Boolean);
  return undefined;
}

export interface Unwrapped {
  name: string;
  rawName: string;
  args: string[];
  /** Wrappers stripped, outermost first (`xargs` matters: the command's operands come from stdin). */
  via: string[];
}

/** Drops wrappers so `sudo -u root env -i X=1 rm -rf /` is seen as `rm -rf /` (at most 6 deep). */
export function unwrap(name: string, args: string[]): Unwrapped {
  let n = base(name);
  let raw = name;
  let rest = args;
  const via: string[] = [];
  for (let guard = 0; guard < 6; guard++) {
    const w = W[n] ?? (n === 'runuser' && runuserRunsCommand(rest) ? RUNUSER : undefined);
    if (!w) break;
    via.push(n);
    let i = 0;
    let operands = w.operands ?? 0;
    while (i < rest.length) {
      const a = rest[i] as string;
      if (a === '--') {
        i++;
        break;
      }
      if (n === 'env') {
        const split = splitString(a, rest[i + 1]);
        if (split) {
          rest = [...split, ...rest.slice(i + optionWidth(w, a))];
          i = 0;
          break;
        }
      }
      if (a.startsWith('-')) {
        // `nice -10` / `nice -n 5`: the old numeric form is one word.
        i += /^-\d+$/.test(a) ? 1 : optionWidth(w, a);
        continue;
      }
      // `env X=1 cmd`, `sudo X=1 cmd`.
      if (ASSIGNMENT.test(a)) {
        i++;
        continue;
      }
      if (operands > 0) {
        operands--;
        i++;
        continue;
      }
      if (w.number && /^[0-9.]+[smhd]?$/.test(a)) {
        i++;
        continue;
      }
      break;
    }
    // Operands still owed after `--` (`timeout -- 5 rm`, `chroot -- /mnt sh`); otherwise none are.
    i += Math.min(operands, rest.length - i);
    // No program: the wrapper itself runs, with its own options (`sudo -s` starts a root shell, see {@link runsLoginShell}).
    // `parallel ::: …` has none either: its inputs are the commands.
    if (i >= rest.length || (n === 'parallel' && PARALLEL_SEPARATOR.test(rest[i] as string))) return { name: n, rawName: raw, args: rest, via: via.slice(0, -1) };
    raw = rest[i] as string;
    n = base(raw);
    rest = rest.slice(i + 1);
    // `parallel rm -rf ::: / /home` runs `rm -rf /` and `rm -rf /home`: the inputs are the
    // program's operands, judged together as xargs' are. (`::::` names files of inputs, which
    // stay as words: unknown operands.)
    if (via[via.length - 1] === 'parallel') rest = rest.filter((a) => !PARALLEL_SEPARATOR.test(a));
  }
  return { name: n, rawName: raw, args: rest, via };
}

/**
 * True when a wrapper left with no program starts a shell of its own: `sudo -s`, `sudo -i`,
 * `sudo --login`, `doas -s`, bare `pkexec`. That shell reads its script from stdin, so
 * `echo '…' | sudo -s` runs the text as root, like `| sudo sh`. Clusters are read with the
 * wrapper's table (`sudo -Es`, but not the `s` in `-u sam`).
 */
export function runsLoginShell(name: string, args: string[]): boolean {
  // A word that is no option value is a program (left here only past unwrap's depth bound).
  if (name === 'pkexec') return args.every((a, i) => (a.startsWith('-') && a !== '--help' && a !== '--version') || args[i - 1] === '--user');
  if (name !== 'sudo' && name !== 'doas') return false;
  const w = W[name] as Wrapper;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break;
    if (a.startsWith('--')) {
      if (name === 'sudo' && (a === '--shell' || a === '--login')) return true;
      i += optionWidth(w, a) - 1;
      continue;
    }
    if (!a.startsWith('-')) return false;
    for (let k = 1; k < a.length; k++) {
      const letter = a[k] as string;
      if (letter === 's' || (letter === 'i' && name === 'sudo')) return true;
      if (w.short?.includes(letter)) {
        if (k === a.length - 1) i++;
        break;
      }
    }
  }
  return false;
}
