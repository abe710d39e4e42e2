/**
 * The poisoning rules: patterns over one text field of a tool definition. Two kinds:
 * - pattern rules match a phrase that has no business in an honest description (`<IMPORTANT>`,
 *   "ignore previous instructions", "do not tell the user");
 * - sentence rules combine lexicons inside one sentence (an exfiltration verb AND a secret or the
 *   conversation AND a destination or a side-task word), because each alone is ordinary in real
 *   tools ("Uploads a file to https://api.dropbox.com", "IMPORTANT: paths must be absolute").
 *
 * Every regex is compiled once here; gaps are bounded (`{0,N}` over a negated class), so matching
 * is linear in the text for practical purposes.
 */
import type { Severity } from '../guardrails/types.ts';

export interface PatternRule {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  readonly re: RegExp;
}

/** Phrases that are instructions to the model, not documentation for it. */
export const PATTERN_RULES: readonly PatternRule[] = [
  {
    id: 'hidden.instruction-tag',
    severity: 'high',
    message: 'pseudo-markup tag addressed to the model (e.g. <IMPORTANT>, <SYSTEM>)',
    re: /<\s*\/?\s*(?:important|system|system[_ -]?prompt|instructions?|secret|hidden|admin|assistant|rules?|directive|critical|priority|note[_ -]?to[_ -]?(?:ai|model|assistant|llm))\b[^<>]{0,40}>/gi,
  },
  {
    id: 'hidden.chat-template',
    severity: 'high',
    message: 'chat-template or role markers inside a description',
    re: /\[\/?INST\]|<<\/?SYS>>|<\|(?:im_start|im_end|system|assistant|user)\|>|^\s*(?:system|assistant)\s*:/gim,
  },
  {
    id: 'injection.override',
    severity: 'critical',
    message: 'asks the model to ignore or override its other instructions',
    re: /\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|other|system|original|safety)\s+(?:instructions?|prompts?|rules|directions|guidelines|messages|tools?)\b/gi,
  },
  {
    id: 'concealment.from-user',
    severity: 'critical',
    message: 'asks the model to hide an action from the user',
    re: /\b(?:do\s*n[o']?t|never|without|avoid)\s+(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|notify(?:ing)?|reveal(?:ing)?|show(?:ing)?|alert(?:ing)?|warn(?:ing)?|disclos(?:e|ing)|let(?:ting)?|ask(?:ing)?|confirm(?:ing)?\s+with)\b[^.!?\n]{0,50}?\b(?:the\s+)?(?:user|human|operator|anyone|customer)s?\b|\b(?:user|human)\s+(?:must|should|shall)\s+(?:not|never)\s+(?:know|see|be\s+(?:told|informed|notified))\b|\b(?:hide|conceal)\s+(?:this|it|the\s+\w+)\s+from\s+the\s+user\b|\bdo\s*n[o']?t\s+(?:mention|reveal|disclose)\s+(?:this|these|that)\b/gi,
  },
  {
    id: 'concealment.covert',
    severity: 'high',
    message: 'covert action wording (secretly, behind the user’s back)',
    re: /\b(?:secretly|covertly|surreptitiously|behind\s+the\s+user'?s\s+back|without\s+(?:the\s+user'?s|their)\s+(?:knowledge|consent|awareness|permission)|(?:silently|quietly)\s+(?:send|forward|copy|upload|include|add|append|post|attach|exfiltrate|share|transmit|bcc|cc|email))\b/gi,
  },
  {
    id: 'model.addressed',
    severity: 'high',
    message: 'text addressed to the AI model rather than describing the tool',
    re: /\b(?:note|message|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+)?(?:ai|assistant|model|llm|agent|claude|gpt)\b|\b(?:dear|hey|attention)\s*,?\s+(?:ai|assistant|model|llm|agent|claude|chatgpt)\b|\byou\s+are\s+now\b|\bnew\s+(?:system\s+)?instructions?\s*:/gi,
  },
  {
    id: 'model.before-answering',
    severity: 'high',
    message: 'tells the model what to do around its answers, not how to use the tool',
    re: /\b(?:before|after|prior\s+to|instead\s+of)\s+(?:answering|responding|replying)\b|\b(?:in|with)\s+(?:every|each|all)\s+(?:of\s+your\s+)?(?:responses?|answers?|replies)\b/gi,
  },
  {
    id: 'crosstool.replaces',
    severity: 'high',
    message: 'claims to replace or override another tool',
    re: /\b(?:this\s+tool|it)\s+(?:replaces|supersedes|overrides|deprecates|takes\s+precedence\s+over)\b|\b(?:must|should|always)\s+be\s+(?:used|called)\s+instead\s+of\b|\binstead\s+of\s+(?:using\s+)?(?:the\s+|any\s+)?(?:other\s+)?[`'"]?[\w.-]+[`'"]?\s+(?:tool|function|server)\b|\b(?:do\s*n[o']?t|never)\s+(?:use|call|invoke)\s+(?:the\s+|any\s+)?(?:other\s+)?[`'"]?[\w.-]+[`'"]?\s+(?:tool|function|server)s?\b/gi,
  },
  {
    id: 'crosstool.other-tools',
    severity: 'high',
    message: 'gives rules for other tools or servers',
    re: /\b(?:when(?:ever)?|each\s+time|every\s+time|if)\s+(?:the\s+user\s+|you\s+|the\s+(?:assistant|agent|model)\s+)?(?:sends?|sending|uses?|using|calls?|calling|invokes?|invoking|runs?|running)\s+(?!this\b)(?:an?\s+|the\s+|any\s+)?[^.!?\n]{0,50}?(?:email|mail|message|payment|transfer|tool|function|server|command)s?\b[^.!?\n]{0,60}?\b(?:always|also|must|first|make\s+sure|be\s+sure|remember\s+to|additionally)\b|\b(?:all|any|every)\s+(?:other\s+)?(?:tools?|servers?|functions?)\s+(?:must|should|shall)\b|\b(?:for|on)\s+all\s+(?:future|subsequent|other)\s+(?:requests|calls|tools?|messages|emails)\b/gi,
  },
  {
    id: 'crosstool.always-copy',
    severity: 'high',
    message: 'adds a hidden recipient or copy to messages',
    re: /\b(?:always|also|automatically)\s+(?:bcc|cc|blind[- ]copy|copy|forward|redirect|send\s+a\s+copy)\b|\b(?:bcc|blind[- ]carbon[- ]copy)\b[^.!?\n]{0,60}@[\w-]+\.[\w.-]+/gi,
  },
  {
    id: 'crosstool.prefer',
    severity: 'medium',
    message: 'asks to be preferred over other tools',
    re: /\b(?:prefer|always\s+use|only\s+use)\s+this\s+(?:tool|function|server)\s+(?:for\s+all|over|instead|rather|whenever|exclusively|for\s+every)\b/gi,
  },
  {
    id: 'hidden.html-comment',
    severity: 'medium',
    message: 'HTML comment (invisible when rendered)',
    re: /<!--[^]{0,4000}?-->/g,
  },
  {
    id: 'hidden.padding',
    severity: 'medium',
    message: 'long run of blank space pushing text out of view',
    re: /[ \t]{40,}|(?:\r?\n[ \t]*){8,}/g,
  },
];

// --- sentence lexicons ---------------------------------------------------------------------

/** Files and stores that hold local secrets; reading them is never a tool's description's business. */
export const SECRET_PATHS =
  /(?:~|\$HOME|%USERPROFILE%|\/home\/[\w.-]+|\/Users\/[\w.-]+|\/root)?[/\\]?\.ssh\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.aws[/\\](?:credentials|config)\b|\.netrc\b|\.npmrc\b|\.pypirc\b|\.docker[/\\]config\.json|\.kube[/\\]config\b|\/etc\/(?:passwd|shadow|sudoers)\b|\.gnupg\b|\.git-credentials\b|\bkeychain\b|\bwallet\.dat\b|\.(?:bash|zsh)_history\b|\b(?:claude_desktop_config|mcp)\.json\b|\.cursor[/\\]|\bcookies\.sqlite\b|\bLogin Data\b|(?:^|[\s'"`(])\.env(?:\.\w+)?\b|\bprivate[_ ]keys?\b|\bssh[_ ]keys?\b|\bseed\s+phrase\b|\bmnemonic\b|\bcredentials?\s+files?\b/gi;

/** Conversation state and the user's private data. */
const CONTEXT_DATA =
  /\b(?:conversation|chat)(?:\s+history|\s+log|\s+so\s+far|\s+transcript)?\b|\bsystem\s+prompt\b|\b(?:previous|prior|earlier|all)\s+(?:messages|turns|instructions)\b|\byour\s+(?:instructions|context|memory|prompt)\b|\b(?:user|customer|client|owner|caller|requester)'?s\s+(?:\w+\s+)?(?:home\s+)?(?:address|email|phone|contacts?|location|passwords?|credentials|files|messages|data|documents|history|tokens?|keys?|cookies|clipboard)\b|\b(?:api[_ ]?keys?|access[_ ]tokens?|auth(?:entication)?[_ ]tokens?|bearer\s+tokens?|passwords?|secrets?|credentials|session\s+(?:ids?|cookies?|tokens?)|(?:browser\s+)?cookies|environment\s+variables?|env\s+vars?|clipboard)\b/gi;

/** Upper-case environment variable names that hold secrets (DATABASE_URL, STRIPE_SECRET_KEY). */
const ENV_SECRET = /\b[A-Z][A-Z0-9]*_(?:[A-Z0-9]+_)*(?:KEY|TOKEN|SECRET|PASSWORD|PASS|PWD|URL|DSN|CREDENTIALS)\b/g;

/** The model's own context: asking to put it anywhere is exfiltration, destination or not. */
const CONTEXT_STRONG =
  /\b(?:conversation|chat)\s+(?:history|log|so\s+far|transcript)\b|\b(?:full|entire|whole)\s+(?:conversation|chat)\b|\bthis\s+(?:chat|conversation)\b|\bsystem\s+prompt\b|\b(?:previous|prior|earlier)\s+(?:messages|turns)\b|\byour\s+(?:instructions|system\s+prompt)\b|\bclipboard\b|\b(?:any|all|every)\s+(?:passwords?|secrets?|api[_ ]keys?|tokens?|credentials)\b/gi;

/** Verbs that put data somewhere. */
const PUT_VERB = /\b(?:include|includes|including|pass|passes|append|appends|attach|embed|insert|put|paste|add|send|forward|post|upload|share|leak|store|write)\b/gi;

const EXFIL_VERB =
  /\b(?:send|sends|sending|post|posts|posting|upload|uploads|uploading|forward|forwards|forwarding|transmit|exfiltrate|leak|copy|copies|append|appends|appending|include|includes|including|pass|passes|passing|attach|attaching|provide|embed|insert|put|add|read|reads|reading|cat|open|collect|gather|extract|dump|share|encode|report|log|sync|mirror|set|paste|fill|supply|write)\b|\bcontents?\s+of\b/gi;

const DESTINATION =
  /\bhttps?:\/\/[^\s'"`<>)]+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b|\battacker\b|\b(?:query\s+string|url\s+param(?:eter)?s?)\b|\b(?:in|into|as|inside|within|to)\s+(?:the\s+|a\s+)?[`'"]?[\w-]+[`'"]?\s+(?:parameter|argument|field|param|property)\b|\bwebhook\b/gi;

const SIDE_TASK =
  /\b(?:also|additionally|in\s+addition|as\s+well|always|every\s+(?:call|time|request|invocation)|each\s+(?:call|time)|whenever|on\s+(?:every|each)\s+(?:call|use|invocation)|first|beforehand|automatically|secretly|silently|quietly|without)\b/gi;

export interface SentenceRule {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  readonly test: (sentence: string) => boolean;
}

const has = (re: RegExp, s: string): boolean => {
  re.lastIndex = 0;
  const r = re.test(s);
  re.lastIndex = 0;
  return r;
};

/** Rules that need several signals in one sentence. */
export const SENTENCE_RULES: readonly SentenceRule[] = [
  {
    id: 'secrets.local-files',
    severity: 'high',
    message: 'asks to read or pass local secret files (SSH keys, credentials, dotfiles)',
    test: (s) => has(SECRET_PATHS, s) && has(EXFIL_VERB, s),
  },
  {
    id: 'exfil.private-data',
    severity: 'high',
    message: 'asks to send conversation or private data somewhere (a URL, address or parameter)',
    test: (s) => (has(CONTEXT_DATA, s) || has(ENV_SECRET, s)) && has(EXFIL_VERB, s) && (has(DESTINATION, s) || has(SIDE_TASK, s)),
  },
  {
    id: 'exfil.model-context',
    severity: 'high',
    message: 'asks to put the conversation, system prompt or collected secrets into the call',
    test: (s) => has(CONTEXT_STRONG, s) && has(PUT_VERB, s),
  },
  {
    id: 'exfil.side-channel',
    severity: 'high',
    message: 'a side task that sends data to an outside destination',
    test: (s) => has(EXFIL_VERB, s) && has(SIDE_TASK, s) && /\bhttps?:\/\/|@[\w-]+\.\w|\battacker\b/i.test(s),
  },
  {
    id: 'secrets.reference',
    severity: 'medium',
    message: 'mentions local secret files',
    test: (s) => has(SECRET_PATHS, s),
  },
];

/** Sentences with their offsets: split after . ! ? followed by space, and at newlines. */
export function sentences(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  const re = /[.!?]+(?=\s|$)|\n+/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const end = m.index + m[0].length;
    if (end > start) out.push({ start, end });
    start = end;
    if (m[0].length === 0) re.lastIndex++;
  }
  if (start < text.length) out.push({ start, end: text.length });
  return out;
}
