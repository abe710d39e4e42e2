/**
 * Regenerates docs/errors.md from the catalogue (src/errors/catalogue.ts):
 * `node bin/run-ts.js scripts/gen-errors-doc.ts`. catalogue.test.ts fails when they differ.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorsDoc } from '../src/errors/doc.ts';

writeFileSync(join(import.meta.dirname, '..', 'docs/errors.md'), renderErrorsDoc());
console.log('wrote docs/errors.md');
