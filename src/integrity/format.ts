/**
 * Text rendering for the integrity CLI commands: findings with the offending text highlighted
 * (ANSI reverse-red on a terminal, `[[…]]` otherwise).
 */
import type { ToolFinding } from './poisoning.ts';

/** Makes control and invisible characters visible (`\n`, `<U+200B>`), so a terminal cannot be tricked. */
export function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\u3164\ufeff\uffa0]|\udb40[\udc00-\udc7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

/** The finding's text around [start, end) with that span highlighted. */
export function highlight(f: ToolFinding, color: boolean, context = 60): string {
  const start = Math.max(0, Math.min(f.start ?? 0, f.text.length));
  const end = Math.max(start, Math.min(f.end ?? f.text.length, f.text.length));
  const from = Math.max(0, start - context);
  const to = Math.min(f.text.length, end + context);
  const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max / 2)}…${s.slice(-max / 2)}` : s);
  const mid = cut(visible(f.text.slice(start, end)), 400);
  const [open, close] = color ? ['\x1b[1;41;97m', '\x1b[0m'] : ['[[', ']]'];
  return `${from > 0 ? '…' : ''}${visible(f.text.slice(from, start))}${open}${mid}${close}${visible(f.text.slice(end, to))}${to < f.text.length ? '…' : ''}`;
}

/** One finding as two or three indented lines. */
export function formatFinding(server: string, tool: string, f: ToolFinding, color: boolean): string {
  const sev = color ? ({ critical: '\x1b[1;31m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m' }[f.severity] + f.severity.toUpperCase() + '\x1b[0m') : f.severity.toUpperCase();
  return `${server}/${tool}  ${sev}  ${f.rule}  (${f.field || 'definition'})\n    ${f.message}\n    ${highlight(f, color)}`;
}
