/**
 * The rule layer of the prompt-injection detector: phrasings that address the model reading a
 * tool result rather than the person the text was written for. Each pattern runs on normalised,
 * lower-cased text; gaps are bounded (`{0,n}`) and no quantified group contains another
 * quantifier, so every rule is linear in the text. Rules with long gaps between words are
 * chains (injection-chains.ts), which keeps that constant small on hostile text too.
 */
import type { Severity } from '../types.ts';
import { GAP_CLASS, chainKeys, chainRegex, type ChainPart } from './injection-chains.ts';

export interface InjectionRule {
  readonly id: string;
  readonly re: RegExp;
  readonly severity: Severity;
  /** Score the rule alone gives (the learned model may raise it). */
  readonly score: number;
  readonly message: string;
  /**
   * Lower-case strings of which every match contains at least one: the detector runs the regex
   * only when one occurs (one Aho-Corasick pass gates all rules). Keep in step with `re`.
   */
  readonly keys: readonly string[];
  /** Every match starts at one of `keys`, so the regex may start at the first occurrence. */
  readonly anchored?: boolean;
  /**
   * Set for a rule made of words with gaps between them: `re` is built from these parts, and
   * the detector finds the first start with a whole chain from the keyword pass before running
   * `re` there once (injection-chains.ts). `keys` are the first part's phrases.
   */
  readonly chain?: readonly ChainPart[];
}

/** The fields of a chain rule that follow from its parts. */
function chain(parts: readonly ChainPart[]): Pick<InjectionRule, 're' | 'keys' | 'anchored' | 'chain'> {
  return { re: chainRegex(parts), keys: chainKeys(parts.slice(0, 1)), anchored: true, chain: parts };
}

const G = GAP_CLASS; // a gap that stays inside one sentence

export const INJECTION_RULES: readonly InjectionRule[] = [
  {
    id: 'ignore-previous',
    ...chain([
      { alts: ['ignore', 'disregard', 'forget', 'override', 'bypass', 'neglect', 'skip'], gap: 40 },
      { alts: ['previous', 'prior', 'above', 'earlier', 'preceding', 'former', 'original', 'initial', 'system', 'all', 'any', 'your'], gap: 24 },
      {
        alts: ['instruct\\w{0,8}', 'prompt', 'prompts', 'direction', 'directions', 'directive', 'directives', 'rules', 'guidelines', 'command', 'commands', 'task', 'tasks', 'orders'],
      },
    ]),
    severity: 'high',
    score: 0.97,
    message: 'asks the model to ignore its previous instructions',
  },
  {
    id: 'role-marker',
    re: /(?:^|\n)[ \t>#*]{0,8}\(?(?:system|assistant|developer)(?:[ _]message)?\)?[ \t]{0,3}:|<\|im_start\|>|<\|(?:system|assistant|user)\|>|\[\/?inst\]|<<\/?sys>>|<\/?(?:system|instructions?|information|admin)>|###[ \t]{0,3}\(?(?:system|instruction)/g,
    severity: 'high',
    score: 0.95,
    message: 'contains a chat role or system marker',
    keys: ['system', 'assistant', 'developer', '<|', 'inst]', 'sys>>', 'instruction', 'information', 'admin>', '###'],
  },
  {
    id: 'new-instructions',
    re: new RegExp(`\\b(?:new|updated|real|actual|additional|secret|hidden|urgent)[ \\t]{1,3}(?:instructions?|directives?|system prompt|tasks?)[ \\t]{0,3}:`, 'g'),
    severity: 'high',
    score: 0.9,
    message: 'announces new instructions',
    keys: ['instruction', 'directive', 'system prompt', 'task'],
  },
  {
    id: 'persona-override',
    re: /\byou are now\b|\bfrom now on,? you\b|\bpretend (?:to be|you are)\b|\b(?:enter|switch to|activate|now in) (?:developer|admin|god|dan|jailbreak|debug|unrestricted) mode\b/g,
    severity: 'high',
    score: 0.9,
    message: 'tries to change the model persona or mode',
    keys: ['you are now', 'from now on', 'pretend ', ' mode'],
  },
  {
    id: 'important-message-to-model',
    re: new RegExp(
      `\\bimportant!{2,}|\\b(?:this is an? |an )?important (?:message|instructions?|notice)\\b${G}{0,40}?\\b(?:to you|for you|from me)\\b|\\bbefore you (?:can )?(?:solve|answer|complete|continue|proceed|finish|respond)\\b${G}{0,40}?\\b(?:task|question|request)\\b`,
      'g',
    ),
    severity: 'high',
    score: 0.95,
    message: 'addresses an "important message" to the model',
    keys: ['important', 'before you'],
  },
  {
    id: 'addressed-to-model',
    re: /\b(?:dear|hey|hello|attention|note to|message to|instructions? (?:to|for)) (?:the )?(?:ai|a\.i\.|assistant|llm|language model|chatbot|ai agent|gpt(?:-?\d)?|claude|gemini|copilot)\b|\bto you,? (?:the )?(?:ai|assistant|model|llm|gpt(?:-?\d)?|claude|gemini)\b|\bif you are an? (?:ai|assistant|llm|language model|agent)\b|\b(?:ai|llm) (?:assistant|agent)s? (?:reading|processing) this\b/g,
    severity: 'high',
    score: 0.9,
    message: 'speaks to the AI model directly',
    keys: ['dear', 'hey', 'hello', 'attention', 'note to', 'message to', 'instruction', 'to you', 'if you are a', 'reading this', 'processing this'],
  },
  {
    id: 'conceal-from-user',
    re: /\b(?:do not|don't|never) (?:tell|inform|mention (?:this|it) to|reveal (?:this|it) to|notify|alert|show) (?:the )?user\b|\bwithout (?:telling|informing|notifying|alerting|asking) (?:the )?user\b|\bthe user (?:must|should) not (?:know|see|be told)\b/g,
    severity: 'high',
    score: 0.9,
    message: 'asks the model to hide something from the user',
    keys: ['user'],
  },
  {
    id: 'reveal-prompt',
    ...chain([
      { alts: ['reveal', 'print', 'show', 'output', 'repeat', 'leak', 'disclose', 'dump'], gap: 24 },
      {
        alts: ['system prompt', 'your instructions', 'your system message', 'your initial prompt', 'your rules', 'hidden prompt', 'previous instructions'],
      },
    ]),
    severity: 'high',
    score: 0.9,
    message: 'asks the model to reveal its instructions',
  },
  {
    id: 'tool-coercion',
    re: /\b(?:call|use|invoke|run|execute|trigger)\s{1,3}(?:the\s{1,3})?[`'"]?[a-z][a-z0-9]{0,30}_[a-z0-9_]{1,40}[`'"]?\s{1,3}(?:tool|function|command)\b|\bexecute (?:the following|this) (?:command|code|script|shell)\b/g,
    severity: 'medium',
    score: 0.85,
    message: 'tells the model which tool to call',
    keys: ['call', 'use', 'invoke', 'run', 'execute', 'trigger'],
    anchored: true,
  },
  {
    id: 'exfiltrate',
    ...chain([
      { alts: ['send', 'forward', 'email', 'e-mail', 'upload', 'post', 'transfer', 'exfiltrate', 'leak'], gap: 60 },
      {
        alts: [
          'password', 'passwords', 'api key', 'api keys', 'credential', 'credentials', 'secret', 'secrets', 'token', 'tokens',
          'private key', 'ssh key', 'security code', '2fa code', 'verification code', 'session cookie', 'session cookies',
          'conversation history', 'chat history', 'system prompt',
        ],
        gap: 60,
      },
      // "to" or "at", then an e-mail address or a URL.
      { alts: ['to', 'at'], tail: '\\s{1,3}(?:[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}\\.|https?:\\/\\/)' },
    ]),
    severity: 'high',
    score: 0.9,
    message: 'asks for credentials or history to be sent out',
  },
  {
    id: 'answer-manipulation',
    re: /\b(?:in|to|into|at the end of|at the start of) your (?:response|answer|reply|output|summary)\b|\byour (?:response|answer|reply|output) (?:in|into|using|with|must|should)\b|\b(?:respond|reply|answer) only with\b/g,
    severity: 'medium',
    score: 0.8,
    message: 'tells the model how to write its answer',
    keys: ['your response', 'your answer', 'your reply', 'your output', 'your summary', 'only with'],
  },
];
