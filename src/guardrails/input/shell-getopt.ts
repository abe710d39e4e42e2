/**
 * GNU getopt_long over a tool's words, driven by the tool's own option table, so a word is read the
 * way the tool itself reads it: clusters (`-aG`), attached values (`-Gsudo`, `--groups=x`), unique
 * long prefixes (`--gro`), options anywhere among the operands, `--` ending them. One pass.
 */

export interface Getopt {
  /**
   * getopt(3) short-option string: a letter followed by `:` takes a value (the rest of the word or
   * the next word), by `::` an optional one (the rest of the word only, as GNU's `sed -i[SUFFIX]`).
   */
  readonly short: string;
  /** Long option → the short letter it stands for (or a private key), and whether it takes a value. */
  readonly long: Readonly<Record<string, readonly [string, boolean]>>;
}

export interface Parsed {
  /** Option letter → values given (a flag records ''). */
  readonly opts: Map<string, string[]>;
  readonly operands: string[];
}

/** Resolves a long option the way getopt_long does: an exact name, else a prefix naming one option. */
function longOption(table: Getopt, name: string): readonly [string, boolean] | undefined {
  const exact = table.long[name];
  if (exact) return exact;
  const hits = Object.keys(table.long).filter((k) => k.startsWith(name)).map((k) => table.long[k] as readonly [string, boolean]);
  const first = hits[0];
  return first && hits.every((h) => h[0] === first[0]) ? first : undefined;
}

/** GNU getopt_long over a tool's words: options anywhere (permuted), `--` ends them. */
export function getopt(args: string[], table: Getopt): Parsed {
  const opts = new Map<string, string[]>();
  const operands: string[] = [];
  const add = (k: string, v: string): void => {
    const list = opts.get(k);
    if (list) list.push(v);
    else opts.set(k, [v]);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const opt = longOption(table, eq > 0 ? a.slice(2, eq) : a.slice(2));
      if (!opt) continue;
      if (opt[1]) add(opt[0], eq > 0 ? a.slice(eq + 1) : (args[++i] ?? ''));
      else add(opt[0], '');
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    // A cluster (`-aG`): a value-taking letter takes the rest of the word, or the next word (an
    // optional value only the rest of the word).
    for (let k = 1; k < a.length; k++) {
      const letter = a[k] as string;
      const at = letter === ':' ? -1 : table.short.indexOf(letter);
      if (at < 0) continue;
      if (table.short[at + 1] !== ':') {
        add(letter, '');
        continue;
      }
      if (table.short[at + 2] === ':') add(letter, a.slice(k + 1));
      else add(letter, k < a.length - 1 ? a.slice(k + 1) : (args[++i] ?? ''));
      break;
    }
  }
  return { opts, operands };
}
