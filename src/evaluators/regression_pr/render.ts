// What the regression pull request proposes: the branch, the two files (the evaluator as JSON and as
// TypeScript for LangSmith's evaluate()) and the title and body that link the ticket. Pure; everything
// untrusted is redacted here, the last place before it is written to the ticket's repository.
import { createHash } from 'node:crypto';
import { redactSecrets } from '../../redaction.js';
import { inlineText, titleText } from '../../tickets/inert_text.js';
import { exportJson, exportTypeScript, type ExportInput } from '../export.js';

export interface RegressionFile {
  /** `json` or `ts`: what the operation key names the file by. */
  kind: 'json' | 'ts';
  path: string;
  content: string;
}

export function regressionBranch(prefix: string, familyId: string): string {
  return `${prefix}${familyId}`;
}

/** `<folder>/<family id>.json` and `.ts`, both from the same redacted evaluator. */
export function regressionFiles(folder: string, evaluator: ExportInput): RegressionFile[] {
  const safe = redactEvaluator(evaluator);
  return [
    { kind: 'json', path: `${folder}/${evaluator.familyId}.json`, content: exportJson(safe) },
    { kind: 'ts', path: `${folder}/${evaluator.familyId}.ts`, content: exportTypeScript(safe) },
  ];
}

/** The sha git (and GitHub's contents API) gives a file with this content: how a written file is recognised. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function commitMessage(file: RegressionFile, revision: number, replacing: boolean): string {
  return `${replacing ? 'Update' : 'Add'} recur regression evaluator ${file.path.split('/').pop()} (revision ${revision})`;
}

export interface PullRequestView {
  family: { id: string; title: string; workflow: string };
  ticket: { number: number };
  evaluator: { id: string; type: string; suite: string; revision: number };
  files: RegressionFile[];
}

export function pullRequestTitle(view: PullRequestView): string {
  return `Regression evaluator: ${titleText(view.family.workflow, 60)}: ${titleText(view.family.title, 160)}`;
}

/**
 * Links the ticket with "Refs #n" and never with a closing keyword: merging the guard must not close the
 * ticket (GitHub would close it, and recur would read the merge as the fix).
 */
export function pullRequestBody(view: PullRequestView): string {
  const [json, ts] = [view.files.find((f) => f.kind === 'json')!, view.files.find((f) => f.kind === 'ts')!];
  const { evaluator } = view;
  return [
    `Adds the regression evaluator recur generated for the failure tracked in #${view.ticket.number}, so a release pipeline can check that it stays fixed.`,
    '',
    `Refs #${view.ticket.number}`,
    '',
    `**Failure**: ${inlineText(view.family.title, 300)} (workflow ${inlineText(view.family.workflow, 100)})`,
    '',
    `- \`${json.path}\`: the evaluator spec (\`${evaluator.type}\`, suite \`${evaluator.suite}\`, revision ${evaluator.revision}) with example traces`,
    `- \`${ts.path}\`: the same check for the LangSmith SDK's \`evaluate()\` (rubrics use openevals' LLM-as-judge)`,
    '',
    `Run it with the release's evaluations and report the result to recur (\`POST /v1/evaluations\` with \`"evaluator_id": "${evaluator.id}"\`); the release gate reads it.`,
    '',
    'Merging this pull request adds the guard and leaves the ticket as it is: the ticket follows the fix. While this pull request is open, recur updates these files on its branch when the evaluator spec changes.',
    '',
    '<sub>Opened by recur.</sub>',
    '',
  ].join('\n');
}

/** Every string in the spec and examples, redacted; a pattern redaction broke is kept as literal text. */
function redactEvaluator(e: ExportInput): ExportInput {
  const spec = redactDeep(e.spec) as ExportInput['spec'];
  if (spec.type === 'forbidden_error' && !validPattern(spec.message_pattern)) {
    spec.message_pattern = spec.message_pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return { ...e, workflow: redactSecrets(e.workflow), spec, examples: redactDeep(e.examples) as ExportInput['examples'] };
}

function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  return value;
}

function validPattern(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
