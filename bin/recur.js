#!/usr/bin/env node
// The `recur` command: runs the TypeScript CLI through tsx, which ships with recur.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
