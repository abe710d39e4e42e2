import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlight, visible } from './format.ts';
import type { ToolFinding } from './poisoning.ts';

const f: ToolFinding = { detector: 'tool_poisoning', rule: 'r', severity: 'high', message: 'm', field: 'description', text: 'Adds numbers. <IMPORTANT>x</IMPORTANT>', start: 14, end: 25 };

test('highlight with brackets or ANSI', () => {
  assert.equal(highlight(f, false), 'Adds numbers. [[<IMPORTANT>]]x</IMPORTANT>');
  assert.equal(highlight(f, true), 'Adds numbers. \x1b[1;41;97m<IMPORTANT>\x1b[0mx</IMPORTANT>');
});

test('hidden characters are shown, never passed to the terminal', () => {
  assert.equal(visible('a\u200bb\u202e\n\udb40\udc41'), 'a<U+200B>b<U+202E>\\n<U+E0041>');
  assert.equal(visible('\x1b[2J'), '<U+001B>[2J');
});
