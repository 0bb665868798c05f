#!/usr/bin/env node
// The `recur` command. In production (NODE_ENV=production, as in the image) it runs the compiled CLI in
// dist/ when `npm run build` made one; otherwise the TypeScript sources through tsx, which ships with
// recur, so a development checkout never runs a stale build.
import { existsSync } from 'node:fs';

if (process.env.NODE_ENV === 'production' && existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
