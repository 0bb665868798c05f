// A configuration problem a human can act on: which variable or file, which key, what was expected.
import type { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function describeIssues(where: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.join('.') : '(top level)';
    return `  ${where}: ${key}: ${issue.message}`;
  });
  return `invalid configuration\n${lines.join('\n')}`;
}
