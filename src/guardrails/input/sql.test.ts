import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../types.ts';
import { createSqlDetector } from './sql.ts';

// Behaviour tests get a roomy parse budget: on a loaded machine (the runner runs files side by side)
// a 50 ms budget can expire and turn an answer into `sql.too-complex`. The budget tests below use
// the default one.
const sql = createSqlDetector({ parseBudgetMs: 2000 });
const strict = createSqlDetector();
const attack = (f: Finding[]): boolean => f.some((x) => x.severity === 'high' || x.severity === 'critical');
const rules = (f: Finding[]): string[] => f.map((x) => x.rule);
const q = (s: string): Finding[] => sql.scan(s, { field: 'arguments.query' });

describe('sql detector: whole statements', () => {
  const cases: Array<[string, string]> = [
    ['DROP TABLE users', 'sql.drop'],
    ['TRUNCATE TABLE orders', 'sql.truncate'],
    ['DELETE FROM users', 'sql.unbounded-write'],
    ['UPDATE users SET admin = 1', 'sql.unbounded-write'],
    ['DELETE FROM users WHERE 1=1', 'sql.unbounded-write'],
    ['SELECT * FROM t; DROP TABLE t', 'sql.stacked'],
    ["GRANT ALL ON *.* TO 'x'@'%'", 'sql.privilege'],
    ['SELECT pg_sleep(10)', 'sql.time-delay'],
    ['SELECT SLEEP(5)', 'sql.time-delay'],
  ];
  for (const [s, rule] of cases) test(`${s} → ${rule}`, () => assert.ok(rules(q(s)).includes(rule), rules(q(s)).join(',')));
  test('ALTER is medium, not an attack', () => {
    const f = q('ALTER TABLE users ADD COLUMN age INT');
    assert.ok(rules(f).includes('sql.alter'));
    assert.equal(attack(f), false);
  });
  test('ordinary queries pass', () => {
    for (const s of ["SELECT id, name FROM users WHERE email = 'a@b.c'", 'UPDATE users SET name = \'x\' WHERE id = 3', 'SELECT a FROM t UNION SELECT b FROM u', 'INSERT INTO logs (msg) VALUES (\'hi\')']) assert.deepEqual(q(s), [], s);
  });
});

describe('sql detector: injected fragments', () => {
  for (const v of ["' OR 1=1 --", "admin' --", "' UNION SELECT username, password FROM users--", "1; DROP TABLE users", "') or ('1'='1", "1 AND SLEEP(5)", "'; exec master..xp_cmdshell 'dir'--", "' INTO OUTFILE '/tmp/x'--", "1' waitfor delay '0:0:5'--", '{"$where": "sleep(100)"}', '{"$ne": null}', 'username[$ne]=x', "' && this.password.match(/.*/)//"]) {
    test(`flags ${v}`, () => assert.ok(attack(sql.scan(v, { field: 'arguments.username' })), rules(sql.scan(v, { field: 'arguments.username' })).join(',')));
  }
  test('non-SQL text and names with apostrophes are not findings', () => {
    for (const v of ["O'Brien", "It's a nice day, isn't it?", 'Delete all hidden files in the directory tree', 'select the best option', 'price $5', 'I love rock & roll -- really', '#include <stdio.h>']) {
      assert.equal(attack(sql.scan(v, { field: 'arguments.name' })), false, `${v}: ${rules(sql.scan(v)).join(',')}`);
    }
  });
  test('hostile input completes (deep nesting, long runs)', () => {
    for (const big of ['SELECT ' + '('.repeat(5000) + '1', "'".repeat(1 << 20), `' OR ${'('.repeat(100000)}`, 'SELECT a FROM t WHERE ' + 'a=1 OR '.repeat(2000) + '1']) {
      assert.ok(Array.isArray(sql.scan(big)));
    }
    assert.ok(rules(sql.scan("'".repeat(1 << 20))).includes('sql.truncated'));
  });
  test('messages never echo the value', () => {
    for (const f of sql.scan("' OR password='hunter2' --")) assert.ok(!f.message.includes('hunter2'));
  });
});

describe('sql detector: shapes added in the recall pass', () => {
  const v = (s: string): Finding[] => sql.scan(s, { field: 'arguments.username' });
  const cases: Array<[string, string]> = [
    ["exec master..xp_cmdshell 'net+view'", 'sql.os-command'],
    [' AND 1083=1083 AND (1427=1427', 'sql.tautology'],
    [' AS INJECTX WHERE 1=1 AND 1=0', 'sql.tautology'],
    ["' or 1=1 \u2013", 'sql.tautology'],
    ["copy myfile from '/etc/passwd'; ", 'sql.file-access'],
    ['select * from pg_shadow;', 'sql.credential-table'],
    ["' exec sp_addsrvrolemember 'name' , 'sysadmin' --", 'sql.privilege'],
    ['IF(7423=7424) SELECT 7423 ELSE DROP FUNCTION xcjl--', 'sql.drop'],
    [' AND 5650=CONVERT(INT,(UNION ALL SELECTCHAR(88)))', 'sql.union'],
  ];
  for (const [s, rule] of cases) {
    test(`flags ${JSON.stringify(s).slice(0, 50)} as ${rule}`, () => {
      const f = v(s);
      assert.ok(rules(f).includes(rule), rules(f).join(','));
      assert.ok(attack(f));
    });
  }
  test('a value appended after a numeric parameter that rewrites the query is an injection', () => {
    assert.ok(attack(v(' AND 1=0-- ')));
    assert.ok(attack(v(' OR x=y#')));
  });
  test('benign shapes the pre-checks no longer flag (a field with no role: quoted prose is ordinary there)', () => {
    const free = (s: string): Finding[] => sql.scan(s, { field: 'arguments.filter' });
    for (const s of ['Copy "src" to "dest" if "src" is newer than "dest"', "create a compressed archive of a target directory excluding '<dir1>' and '<dir2>'", 'Rename "a" in "v_1", "v_2", and "v_3" to "v_1.txt"']) {
      assert.equal(attack(free(s)), false, `${s}: ${rules(free(s)).join(',')}`);
    }
  });
  test('a plain statement skips the parser and yields no finding; a dangerous one still parses', () => {
    assert.deepEqual(q("SELECT id, name FROM users WHERE email = 'a@b.c' AND n > 2 ORDER BY id LIMIT 10"), []);
    assert.ok(rules(q("SELECT * FROM users WHERE 'a' = 'a'")).includes('sql.tautology'));
    assert.ok(rules(q('SELECT * FROM users WHERE name = name')).includes('sql.tautology'));
  });
});

describe('sql detector: identifier fields (username, login, email, id)', () => {
  const u = (s: string, field = 'arguments.username'): Finding[] => sql.scan(s, { field });
  test('a quote that closes the literal, with SQL punctuation or a second quote, is a break-out', () => {
    for (const s of ["' or ''='", "'/*", 'admin"/*', "')) or (('x", "1'||'x'||'", "' '", "'='", "\"*\""]) {
      assert.ok(rules(u(s)).includes('sql.quote-breakout'), `${s}: ${rules(u(s)).join(',')}`);
    }
  });
  test('a quote at either end is the classic first probe', () => {
    for (const s of ["admin'", '1"', "'", '`']) assert.ok(rules(u(s)).includes('sql.quote-breakout'), s);
  });
  test('comment markers cut off the rest of the query', () => {
    for (const s of ['admin--', "admin'--", '1/*x*/', '-- ', 'admin #']) assert.ok(rules(u(s)).includes('sql.comment-truncation'), s);
    // An issue number is not a comment marker; a comment after a value still is.
    for (const s of ['1#', '1 #comment', "1'#"]) assert.ok(attack(u(s, 'arguments.id')), s);
  });
  test('a whole statement where a user name belongs is an injection', () => {
    for (const s of ['select version();', 'select session_user;', "select current_setting('port');", 'create table t (input TEXT);']) {
      assert.ok(rules(u(s)).includes('sql.statement-in-identifier'), `${s}: ${rules(u(s)).join(',')}`);
    }
  });
  test('weak shapes need no parser confirmation, and a numeric splice that rewrites the query counts', () => {
    assert.ok(attack(u(' AND 1=0 AND 2=2')));
    assert.ok(attack(u('1 AND (SELECT * FROM users) = 1', 'arguments.id')));
  });
  test('real user names, e-mail addresses and ids pass', () => {
    for (const [s, f] of [["O'Brien", 'arguments.username'], ["d'artagnan", 'arguments.login'], ["o'neil+tag@example.com", 'arguments.email'], ['jean-luc.picard', 'arguments.user'], ['Mary Ann', 'arguments.username'], ['42', 'arguments.id'], ['order', 'arguments.username'], ['select', 'arguments.username'], ['#123', 'arguments.id'], ['#42', 'arguments.ticket_id']] as const) {
      assert.equal(attack(u(s, f)), false, `${s}: ${rules(u(s, f)).join(',')}`);
    }
  });
  test('the same break-out shapes in a field with no role still need the parser or two weak signals', () => {
    assert.equal(attack(sql.scan("admin'", { field: 'arguments.name' })), false);
    assert.equal(attack(sql.scan('select version();', { field: 'arguments.name' })), false);
  });
});

describe('sql detector: parse budget', () => {
  test('a statement the grammar would take seconds on is cut off and reported; later parses still work', async () => {
    // `select ( ` ten deep takes over a second in node-sql-parser's MySQL grammar (the input bench
    // prints it), twelve deep several times that.
    const hostile = `${'select ( '.repeat(12)}x; drop table t`;
    const f = strict.scan(hostile, { field: 'arguments.query' });
    assert.ok(rules(f).includes('sql.too-complex'), rules(f).join(','));
    assert.ok(rules(f).includes('sql.stacked'), 'lexical signals still reported');
    // The terminated worker's spare takes over; a fresh one starts behind it.
    let after: string[] = [];
    for (let i = 0; i < 100 && !after.includes('sql.truncate'); i++) {
      after = rules(strict.scan('TRUNCATE TABLE orders', { field: 'arguments.query' }));
      if (!after.includes('sql.truncate')) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(after, ['sql.truncate']);
  });
  test('scanAsync gives the same findings as scan, and waits for a hostile parse without holding the thread', async () => {
    const samples = [
      'DROP TABLE users',
      "SELECT id FROM users WHERE email = 'a@b.c'",
      ["admin' OR '1'='1' --", 'arguments.username'],
      ['1 AND (SELECT 1 FROM dual) = 1', 'arguments.id'],
      ['Please review the Q3 figures before Friday.', 'arguments.comment'],
    ] as const;
    // A roomy budget here: the test runner loads the machine, and this part compares answers.
    const roomy = createSqlDetector({ parseBudgetMs: 5000 });
    for (const x of samples) {
      const [text, field] = typeof x === 'string' ? [x, 'arguments.query'] : x;
      assert.deepEqual(await roomy.scanAsync(text, { field }), roomy.scan(text, { field }), text);
    }
    // While the worker runs out the budget on a hostile statement, the event loop keeps turning:
    // a callback queued after the scan started runs before the scan has answered.
    let answered = false;
    const scanning = strict.scanAsync(`${'select ( '.repeat(12)}x; drop table t`, { field: 'arguments.query' }).then((f) => {
      answered = true;
      return f;
    });
    const answeredWhenTheLoopTurned = await new Promise<boolean>((r) => setImmediate(() => r(answered)));
    assert.equal(answeredWhenTheLoopTurned, false);
    const f = await scanning;
    assert.ok(rules(f).includes('sql.too-complex'), rules(f).join(','));
    assert.ok(rules(f).includes('sql.stacked'), 'lexical signals still reported');
    let after: string[] = [];
    for (let i = 0; i < 100 && !after.includes('sql.truncate'); i++) {
      after = rules(await strict.scanAsync('TRUNCATE TABLE orders', { field: 'arguments.query' }));
      if (!after.includes('sql.truncate')) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(after, ['sql.truncate']);
  });
});

describe('sql detector: a statement in a SQL field that cannot be fully checked fails closed', () => {
  // Each of these gave no finding: a leading comment hid the keyword, or the MySQL grammar
  // rejected the statement and nothing else looked at it.
  const cases: Array<[string, string]> = [
    ['/* x */ DELETE FROM users', 'sql.unbounded-write'],
    ['-- x\nDELETE FROM users', 'sql.unbounded-write'],
    ['/**/UPDATE users SET admin=1', 'sql.unbounded-write'],
    ['/* */ TRUNCATE users', 'sql.truncate'],
    ['DELETE FROM users RETURNING *', 'sql.unbounded-write'],
    ['TRUNCATE users CASCADE', 'sql.truncate'],
    ['UPDATE users SET admin=true FROM roles', 'sql.unbounded-write'],
    ['WITH x AS (DELETE FROM users RETURNING *) SELECT * FROM x', 'sql.unbounded-write'],
    ["GRANT ALL PRIVILEGES ON *.* TO 'evil'@'%'", 'sql.privilege'],
    ["CREATE USER 'evil'@'%' IDENTIFIED BY 'x'", 'sql.privilege'],
    ["ALTER USER root IDENTIFIED BY 'x'", 'sql.privilege'],
    ["LOAD DATA INFILE '/etc/passwd' INTO TABLE t", 'sql.file-access'],
    ['/*!50000DROP*/ TABLE users', 'sql.drop'],
    ['DROP ROLE x', 'sql.drop'],
    ['DROP USER x', 'sql.drop'],
    ['DROP TEMPORARY TABLE t', 'sql.drop'],
    ['DELETE FROM users WHERE 1', 'sql.unbounded-write'],
    ['DELETE FROM users WHERE 2>1', 'sql.unbounded-write'],
    ['DELETE FROM users WHERE 1<>2', 'sql.unbounded-write'],
    ["DELETE FROM users WHERE name LIKE '%'", 'sql.unbounded-write'],
    // Dialect readings: what MySQL runs inside `/*! */`, `--x` as two minuses, PostgreSQL's `\` in a string.
    ['SELECT 1; /*!DROP TABLE users*/', 'sql.drop'],
    ['SELECT 1 --1; DROP TABLE users', 'sql.drop'],
    ["SELECT 'a\\'; DELETE FROM users; -- '", 'sql.unbounded-write'],
    ['EXPLAIN ANALYZE DELETE FROM users', 'sql.unbounded-write'],
  ];
  for (const [s, rule] of cases) {
    test(`fails closed on ${JSON.stringify(s)} → ${rule}`, () => {
      const f = q(s);
      assert.ok(rules(f).includes(rule), rules(f).join(','));
      assert.ok(attack(f), rules(f).join(','));
    });
  }
  test('the same statements in a `sql` or `statement` field', () => {
    for (const field of ['arguments.sql', 'arguments.statement']) assert.ok(attack(sql.scan('DELETE FROM users RETURNING *', { field })), field);
  });
  test('commented and PostgreSQL-only statements that change nothing still pass', () => {
    for (const s of [
      '/* report */ SELECT id FROM users WHERE id = 3',
      '-- list users\nSELECT id FROM users',
      "SELECT a FROM t WHERE b = 'x' -- note",
      'DELETE FROM users WHERE id = 3',
      "UPDATE users SET name = 'x' WHERE id = 3",
      "SELECT id::text FROM users WHERE name ILIKE 'a%'",
      'INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1',
      "SELECT 'DROP TABLE users' AS example",
      'SELECT * FROM t /* DROP TABLE x */',
      'CREATE TABLE t (a int)',
    ]) {
      assert.equal(attack(q(s)), false, `${s}: ${rules(q(s)).join(',')}`);
    }
  });
  test('prose in a SQL field is not a statement', () => {
    for (const s of ['cats or dogs', 'how to delete from a list in python', 'Delete all files from the folder', 'Truncate the log to 100 lines', 'drop']) {
      assert.equal(attack(q(s)), false, `${s}: ${rules(q(s)).join(',')}`);
    }
  });
});

describe('sql detector: an always-true OR spliced after a number', () => {
  for (const field of ['q', 'filter', 'where', 'sort', 'name']) {
    for (const s of ['1 OR 1=1', '1 OR true', '1/**/OR/**/1=1']) {
      test(`flags ${JSON.stringify(s)} in \`${field}\``, () => {
        const f = sql.scan(s, { field: `arguments.${field}` });
        assert.ok(rules(f).includes('sql.tautology'), rules(f).join(','));
      });
    }
  }
  test('prose with "or" and numbers passes', () => {
    for (const field of ['q', 'filter', 'where', 'sort', 'name']) {
      for (const s of ['cats or dogs', 'pick 1 or 2', 'true or false', 'size 10 or larger', 'page 3 or 4 of the report']) {
        assert.equal(attack(sql.scan(s, { field: `arguments.${field}` })), false, `${field}: ${s}`);
      }
    }
  });
});

describe('sql detector: a MERGE that deletes is an unbounded write', () => {
  // The MySQL grammar has no MERGE, so these were unparsed and matched no rule in any field.
  const merges = [
    'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
    'MERGE INTO t USING s ON (t.id = s.id) WHEN MATCHED AND s.gone = 1 THEN DELETE;',
    'MERGE t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE;',
    'MERGE INTO t USING (SELECT id FROM u) s ON (1 = 1) WHEN MATCHED THEN UPDATE SET t.a = 1 WHEN MATCHED THEN DELETE',
  ];
  for (const field of ['arguments.query', 'arguments.note', 'arguments.text']) {
    for (const s of merges) {
      test(`flags ${JSON.stringify(s).slice(0, 60)} in \`${field}\``, () => {
        const f = sql.scan(s, { field });
        assert.ok(rules(f).includes('sql.unbounded-write') && attack(f), rules(f).join(','));
      });
    }
  }
  test('behind a comment, after a statement, or split by one in a SQL field', () => {
    for (const s of ['/* sync */ MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN/**/DELETE', 'SELECT 1; MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE']) {
      assert.ok(rules(q(s)).includes('sql.unbounded-write'), `${s}: ${rules(q(s)).join(',')}`);
    }
  });
  test('a MERGE that only updates or inserts, and prose about merging, pass', () => {
    for (const field of ['arguments.query', 'arguments.note']) {
      for (const s of [
        'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)',
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = 'then delete'",
        'merge the branches using rebase, then delete the old one',
        'Merge when matched, then delete the rest',
      ]) {
        assert.equal(attack(sql.scan(s, { field })), false, `${field}: ${s}: ${rules(sql.scan(s, { field })).join(',')}`);
      }
    }
  });
});

describe('sql detector: DROP with a modifier before the object is a DROP', () => {
  // `DROP TABLE x` was flagged in any field and `DROP TEMPORARY TABLE x` only in a SQL field: the
  // grammar rejects TEMPORARY, and the fragment scan wanted the object word right after DROP.
  for (const field of ['arguments.note', 'arguments.text', 'arguments.username']) {
    for (const s of ['DROP TEMPORARY TABLE x', 'DROP TEMPORARY TABLE IF EXISTS x', 'DROP MATERIALIZED VIEW v', '1; DROP TEMPORARY TABLE users--']) {
      test(`flags ${JSON.stringify(s)} in \`${field}\``, () => {
        const f = sql.scan(s, { field });
        assert.ok(rules(f).includes('sql.drop') && attack(f), rules(f).join(','));
      });
    }
  }
  test('prose about dropping temporary things passes', () => {
    for (const s of ['drop the temporary files', 'Drop temporary tables from the report', 'please drop temporary access for the contractor', 'drop materialized views from the agenda']) {
      assert.equal(attack(sql.scan(s, { field: 'arguments.note' })), false, `${s}: ${rules(sql.scan(s, { field: 'arguments.note' })).join(',')}`);
    }
  });
});

describe('sql detector: review fixes for MERGE and commented DROP', () => {
  test('a MERGE … THEN DELETE after a quote break is found (stacked and unbounded write)', () => {
    for (const s of ["x'; MERGE INTO t USING s ON 1=1 WHEN MATCHED THEN DELETE; --", "x' ; MERGE INTO t USING s ON 1=1 WHEN MATCHED THEN DELETE --", 'x"; MERGE INTO t USING s ON 1=1 WHEN MATCHED THEN DELETE; --']) {
      const f = sql.scan(s, { field: 'arguments.name' });
      assert.ok(attack(f) && rules(f).includes('sql.unbounded-write') && rules(f).includes('sql.stacked'), `${s}: ${rules(f).join(',')}`);
    }
  });
  test('a string in a MERGE that updates does not fake a delete', () => {
    for (const field of ['arguments.name', 'arguments.query']) {
      const f = sql.scan("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = 'then delete'", { field });
      assert.equal(attack(f), false, `${field}: ${rules(f).join(',')}`);
    }
  });
  test('a name or alias spelled merge does not end the MERGE', () => {
    for (const s of ['MERGE INTO t USING s merge ON true WHEN MATCHED THEN DELETE', 'MERGE INTO t USING (SELECT 1 AS merge) s ON true WHEN MATCHED THEN DELETE']) {
      assert.ok(rules(q(s)).includes('sql.unbounded-write') && attack(q(s)), `${s}: ${rules(q(s)).join(',')}`);
    }
  });
  test('a comment inside DROP TEMPORARY TABLE does not hide the DROP', () => {
    for (const s of ['DROP /*x*/ TEMPORARY TABLE t', 'DROP TEMPORARY/**/TABLE t', 'DROP TEMPORARY -- x\nTABLE t']) {
      const f = sql.scan(s, { field: 'arguments.name' });
      assert.ok(rules(f).includes('sql.drop') && attack(f), `${s}: ${rules(f).join(',')}`);
    }
  });
  test('in free text a quoted MERGE … THEN DELETE is a medium finding; elsewhere high', () => {
    const s = 'How do I write MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE in Postgres 15?';
    for (const field of ['arguments.description', 'arguments.note', 'arguments.text', 'arguments.comment']) {
      const f = sql.scan(s, { field });
      assert.ok(f.some((x) => x.rule === 'sql.unbounded-write' && x.severity === 'medium') && !attack(f), `${field}: ${JSON.stringify(f)}`);
    }
    assert.ok(attack(sql.scan(s, { field: 'arguments.name' })));
  });
});

describe('sql detector: a comment inside a DROP spliced after a quote break', () => {
  // The value's own `'` opened a literal that ran to its end, so the comment-free re-read kept the
  // comments: only `sql.stacked` was reported. The database reads the value as closing the literal
  // it was spliced into, so the value is also read that way (sql-lex.ts commentFreeTokens).
  const drops = [
    "x'; DROP /*x*/ TEMPORARY TABLE t; --",
    "x'; DROP/**/TABLE t; --",
    "x'; DROP -- c\n TABLE t; --",
    "x'; DROP#c\nTABLE t; --",
    // `--c` with no blank is a comment in PostgreSQL only.
    "x'; DROP --c\nTABLE t",
    'x"; DROP/**/MATERIALIZED/**/VIEW v; --',
  ];
  for (const field of ['arguments.description', 'arguments.comment', 'arguments.name', 'arguments.username']) {
    test(`DROP is found in \`${field}\``, () => {
      for (const s of drops) {
        const f = sql.scan(s, { field });
        assert.ok(rules(f).includes('sql.drop') && attack(f), `${JSON.stringify(s)}: ${rules(f).join(',')}`);
      }
    });
  }
  test('a statement split by comments after the `;` is still stacked', () => {
    for (const s of ["x';/**/drop/**/table/**/users--", "x';/**/update/**/users/**/set/**/role='admin'--", '1;/**/DELETE/**/FROM/**/users']) {
      const f = sql.scan(s, { field: 'arguments.description' });
      assert.ok(rules(f).includes('sql.stacked') && attack(f), `${JSON.stringify(s)}: ${rules(f).join(',')}`);
    }
  });
});

describe('sql detector: prose after a semicolon is not a stacked statement', () => {
  // Each pair: a sentence whose clause after `;` opens with a statement keyword, and the same
  // keyword in its statement's shape (sql-stacked.ts). The sentences were all `sql.stacked` high.
  const pairs: Array<[string, string]> = [
    ['Fixed the login bug; update the docs later', "x'; update users set role='admin'; --"],
    ['We shipped it; delete the old branch when done', '1; DELETE FROM users'],
    ['Merged; delete it', "x'; delete users--"],
    ['Done; set up the meeting', "1; SET GLOBAL general_log = 'ON'"],
    ['Reviewed; set it to done', '1; set @a = 1'],
    ['Looks good; select a reviewer please', "x'; select password from users where id=1--"],
    ['Edits; select files from the list', 'x\'; select * from users--'],
    ['Pick one; select one (or two)', "x'; select load_file('/etc/passwd')--"],
    ['Log too long; truncate it', "x'; truncate users--"],
    ['Deploy done; shutdown the old server', '1 OR 1=1; SHUTDOWN'],
    ['Approved; grant access to Bob', "' grant connect to name; grant resource to name; --"],
    ['Build passed; execute step 2 tomorrow', "x'; exec master..xp_cmdshell 'dir'--"],
    ['Noted; insert the coin into the slot', "'; insert into users (name, role) values ('e','admin')--"],
    ['Follow up; call Mom (she asked)', '1; call p(1)'],
    ['Finished; declare victory', "1; declare @q varchar(8000) select @q = 0x73; exec(@q)--"],
    ['Later; copy the files to the server', "x'; copy t to '/tmp/x'--"],
    ['Ok; create a table of results for the report', "x'; create user evil identified by 'x'--"],
    ['Cleanup; drop temporary access for the contractor', "'; drop table users--"],
    ['Bug: "set -a; . /path/vars; set +a" fails', "x'; waitfor delay '0:0:5'--"],
  ];
  for (const field of ['arguments.description', 'arguments.body', 'arguments.message', 'arguments.comment']) {
    test(`in \`${field}\` the sentences pass and the statements are stacked`, () => {
      for (const [prose, statement] of pairs) {
        assert.equal(attack(sql.scan(prose, { field })), false, `${prose}: ${rules(sql.scan(prose, { field })).join(',')}`);
        const f = sql.scan(statement, { field });
        assert.ok(rules(f).includes('sql.stacked') && attack(f), `${statement}: ${rules(f).join(',')}`);
      }
    });
  }
  test('right after a quote break or a lone number, any statement keyword after `;` is stacked; an apostrophe earlier in a sentence is not a quote break', () => {
    for (const [field, s] of [['arguments.name', "x'; truncate users"], ['arguments.id', '1; truncate users'], ['arguments.id', '1; delete users'], ['arguments.description', "x';/**/truncate users"]] as const) {
      const f = sql.scan(s, { field });
      assert.ok(rules(f).includes('sql.stacked') && attack(f), `${s}: ${rules(f).join(',')}`);
    }
    for (const s of ["It's fixed; update the docs later", "We're done; delete the old branch", "the user's bug; select the right fix"]) {
      assert.equal(attack(sql.scan(s, { field: 'arguments.description' })), false, s);
    }
  });
  test('in a field meant to hold SQL any statement keyword after `;` still counts', () => {
    for (const s of ['SELECT 1; SHUTDOWN NOW', "SELECT a FROM t WHERE b = 'x'; delete it"]) assert.ok(rules(q(s)).includes('sql.stacked'), `${s}: ${rules(q(s)).join(',')}`);
  });
});
