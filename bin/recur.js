#!/usr/bin/env node
// The `recur` command: runs the compiled CLI (dist/, after `npm run build`) when it is there, else the
// TypeScript sources through tsx, which ships with recur.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
