import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryFlowStore } from './state.ts';

const opts = { ttlMs: 1000, maxHistory: 3, maxSessions: 2, maxFingerprints: 4 };
const commit = (labels: string[], fps: number[] = []) => ({ server: 's', tool: 't', ok: true, labels: labels.map((label) => ({ label, via: 'tool' })), fingerprints: fps });

describe('memory flow store', () => {
  test('labels are monotone and keep the first call that added them', () => {
    const st = createMemoryFlowStore(opts);
    st.append('k', commit(['a']), 0);
    const r = st.append('k', commit(['a', 'b']), 10);
    assert.equal(r.seq, 2);
    assert.deepEqual(r.added, ['b']);
    const s = st.get('k', 20)!;
    assert.equal(s.labels.get('a')!.seq, 1);
    assert.equal(s.labels.get('b')!.at, 10);
  });

  test('history and fingerprints are capped, oldest first', () => {
    const st = createMemoryFlowStore(opts);
    for (let i = 0; i < 5; i++) st.append('k', commit([], [i * 10, i * 10 + 1]), i);
    const s = st.get('k', 5)!;
    assert.deepEqual(s.history.map((h) => h.seq), [3, 4, 5]);
    assert.deepEqual([...s.fingerprints.keys()], [30, 31, 40, 41]);
    assert.equal(s.fingerprints.get(40), 5);
  });

  test('sessions expire after the idle TTL (injected clock), lazily and by sweep', () => {
    const st = createMemoryFlowStore(opts);
    st.append('a', commit(['x']), 0);
    st.append('b', commit(['x']), 500);
    assert.equal(st.get('a', 1000)?.key, 'a');
    assert.equal(st.get('a', 1001), undefined);
    assert.equal(st.expire(1600), 1);
    assert.equal(st.size, 0);
  });

  test('beyond maxSessions the least recently used is evicted and reported', () => {
    const evicted: string[] = [];
    const st = createMemoryFlowStore({ ...opts, onEvict: (k) => evicted.push(k) });
    st.append('a', commit([]), 0);
    st.append('b', commit([]), 1);
    st.append('a', commit([]), 2); // touch a
    st.append('c', commit([]), 3);
    assert.deepEqual(evicted, ['b']);
    assert.equal(st.size, 2);
  });

  test('amend adds late labels to the last call without a new seq', () => {
    const st = createMemoryFlowStore(opts);
    st.append('k', commit(['a']), 0);
    st.append('k', { ...commit(['late']), amend: true }, 1);
    const s = st.get('k', 2)!;
    assert.equal(s.calls, 1);
    assert.equal(s.labels.get('late')!.seq, 1);
  });
});
