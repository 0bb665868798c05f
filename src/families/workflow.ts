// Maps an upstream project name to the workflow name teams use (recur.yaml `workflows`), first match wins.
import picomatch from 'picomatch';
import type { FileConfig } from '../config/file.js';

export function resolveWorkflow(rules: FileConfig['workflows'], input: { source: string; project: string }): string {
  for (const rule of rules) {
    if (rule.match.source && !picomatch.isMatch(input.source, rule.match.source)) continue;
    if (rule.match.langsmith_project && !picomatch.isMatch(input.project, rule.match.langsmith_project)) continue;
    return rule.workflow;
  }
  return input.project;
}
