import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/redaction.js';
import { inlineText, neutralizeForGitHub, redactForTicket } from '../../src/tickets/inert_text.js';

const ZWJ = '\u200D';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEA7bq9', 'q3xJ0Zk2Qe1Tn+abc/def==', '-----END RSA PRIVATE KEY-----'].join('\n');

describe('redactSecrets', () => {
  it.each<[string, string, string]>([
    // personal data
    ['the fixture sentence keeps the amount', 'Same ordering; customer jane.doe@example.com refunded 412.80 outside window.', 'Same ordering; customer [redacted:email] refunded 412.80 outside window.'],
    ['emails with plus and subdomains', 'cc ops+alerts@mail.acme.co.uk, bob@x.io', 'cc [redacted:email], [redacted:email]'],
    ['a card with spaces', 'card 4111 1111 1111 1111 declined', 'card [redacted:card] declined'],
    ['a card with dashes', 'card 5555-5555-5555-4444', 'card [redacted:card]'],
    ['an unseparated Amex', 'amex 378282246310005', 'amex [redacted:card]'],
    ['two cards separated by a space', 'cards 4111111111111111 4242424242424242', 'cards [redacted:card] [redacted:card]'],
    ['a card after an amount and an id', 'paid 412.80 order 8812 4111 1111 1111 1111', 'paid 412.80 order 8812 [redacted:card]'],
    ['a card-shaped number failing Luhn', 'ref 4111 1111 1111 1112', 'ref 4111 1111 1111 1112'],
    ['a millisecond timestamp', 'at 1732272000000 ms', 'at 1732272000000 ms'],
    ['a 20-digit id', 'id 41111111111111111111', 'id 41111111111111111111'],
    ['a card-shaped run glued to a word', '4111111111111111abc', '4111111111111111abc'],
    ['an id glued to a prefix', 'ord_4111111111111111', 'ord_4111111111111111'],
    // tokens and keys
    ['a Bearer JWT keeps the scheme', `Authorization: Bearer ${JWT}`, 'Authorization: Bearer [redacted:jwt]'],
    ['a bare JWT', `token was ${JWT}.`, 'token was [redacted:jwt].'],
    ['a Basic header', 'authorization=Basic dXNlcjpwYXNzd29yZA==', 'authorization=Basic [redacted:token]'],
    ['a quoted Bearer header', 'curl -H "Authorization: Bearer abcdef1234567890xyz"', 'curl -H "Authorization: Bearer [redacted:token]"'],
    ['Bearer alone', 'sent bearer 9f8e7d6c5b4a39281706', 'sent bearer [redacted:token]'],
    ['OpenAI project key', 'key sk-proj-abcDEF1234567890abcdef1234 used', 'key [redacted:api-key] used'],
    ['Anthropic key', 'x-api-key: sk-ant-api03-AbCdEf0123456789_AbCdEf-XYZ', 'x-api-key: [redacted:api-key]'],
    ['GitHub classic token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked', '[redacted:api-key] leaked'],
    ['GitHub app tokens', 'ghs_0123456789abcdefghijABCDEFGHIJ gho_0123456789abcdefghijABCDEFGHIJ', '[redacted:api-key] [redacted:api-key]'],
    ['GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop', '[redacted:api-key]'],
    ['Slack bot token', 'SLACK=xoxb-1234567890-0987654321-AbCdEfGhIj', 'SLACK=[redacted:api-key]'],
    ['AWS access key id', 'aws AKIAIOSFODNN7EXAMPLE region', 'aws [redacted:api-key] region'],
    ['AWS session key id', '(ASIAY34FZKBOKMUTVV7A)', '([redacted:api-key])'],
    ['LangSmith key', 'LANGSMITH_API_KEY=lsv2_pt_0123456789abcdef0123456789abcdef_0123456789', 'LANGSMITH_API_KEY=[redacted:api-key]'],
    ['a PEM block, multi-line', `key:\n${PEM}\nafter`, 'key:\n[redacted:private-key]\nafter'],
    ['a truncated PEM block runs to the end', 'x -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXkt', 'x [redacted:private-key]'],
    ['a certificate is public', '-----BEGIN CERTIFICATE-----', '-----BEGIN CERTIFICATE-----'],
    // key=value secrets
    ['query string token keeps its neighbours', 'GET /cb?token=abc123&state=ok', 'GET /cb?token=[redacted:secret]&state=ok'],
    ['env-style password', 'DB_PASSWORD=hunter2 retries=3', 'DB_PASSWORD=[redacted:secret] retries=3'],
    ['JSON values with spaces', '{"password": "hunter 2", "api_key":"xyz"}', '{"password": "[redacted:secret]", "api_key":"[redacted:secret]"}'],
    ['YAML-ish client secret', 'client_secret: s3cr3t-value', 'client_secret: [redacted:secret]'],
    ['max_tokens is not a secret', 'max_tokens=4096 temperature=0.2', 'max_tokens=4096 temperature=0.2'],
    ['token: in prose is not a pair', 'invalid token: 401 from auth', 'invalid token: 401 from auth'],
    ['an empty value stays empty', 'password=&user=x', 'password=&user=x'],
    // must not change
    ['Bearer in prose', 'the bearer token expired', 'the bearer token expired'],
    ['Authorization in prose', 'Authorization: insufficient scope', 'Authorization: insufficient scope'],
    ['plain prose', 'Refund flow calls payment API before policy check', 'Refund flow calls payment API before policy check'],
    ['tool names', 'issue_refund after lookup_refund_policy', 'issue_refund after lookup_refund_policy'],
    ['UUIDs', 'run 550e8400-e29b-41d4-a716-446655440000', 'run 550e8400-e29b-41d4-a716-446655440000'],
    ['ISO timestamps', 'at 2026-11-22T14:03:22.123Z', 'at 2026-11-22T14:03:22.123Z'],
    ['amounts and order ids', 'order 8812 refunded 412.80 of 1,250.00', 'order 8812 refunded 412.80 of 1,250.00'],
    ['model names', 'gpt-4o and claude-3-5-sonnet-20241022', 'gpt-4o and claude-3-5-sonnet-20241022'],
    ['task-like words after sk-', 'task-runner-with-a-very-long-name', 'task-runner-with-a-very-long-name'],
  ])('%s', (_, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('never leaves a secret behind when several are mixed', () => {
    const text = `user=bob@x.com&api_key=sk-proj-aaaaaaaaaaaaaaaaaaaaaaaa Authorization: Bearer ${JWT}\n${PEM}`;
    const redacted = redactSecrets(text);
    expect(redacted).not.toMatch(/bob@x\.com|sk-proj|eyJ|MIIE/);
  });

  it.each<[string, string, (out: string) => void]>([
    ['one huge word', 'a'.repeat(1_000_000), (out) => expect(out).toHaveLength(1_000_000)],
    ['an email local part that never meets an @', 'a.'.repeat(500_000), (out) => expect(out).not.toContain('redacted')],
    ['a domain with no top-level domain', `a@${'b.'.repeat(500_000)}`, (out) => expect(out).not.toContain('redacted')],
    ['JWT prefixes that never complete', 'eyJ-'.repeat(250_000), (out) => expect(out).not.toContain('redacted')],
    ['secret-key words with no separator', 'xpassword_'.repeat(100_000), (out) => expect(out).not.toContain('redacted')],
    ['a megabyte of digits', '4'.repeat(1_000_000), (out) => expect(out).not.toContain('redacted')],
    ['space-separated digits', '1 '.repeat(500_000), (out) => expect(out).not.toContain('redacted')],
    ['space-separated card-like digits', '4 '.repeat(500_000), (out) => expect(out.replace(/\[redacted:card\]/g, '')).toMatch(/^[4 ]*$/)],
    ['private key headers with no body', '-----BEGIN '.repeat(90_000), (out) => expect(out).not.toContain('redacted')],
    ['Bearer after Bearer', 'bearer '.repeat(140_000), (out) => expect(out).not.toContain('redacted')],
    ['many cards', '4111111111111111 '.repeat(60_000), (out) => expect(out.match(/\[redacted:card\]/g)).toHaveLength(60_000)],
  ])('finishes on adversarial input: %s', (_, input, check) => {
    check(redactSecrets(input));
    neutralizeForGitHub(input);
    expect(inlineText(input, 100).length).toBeLessThanOrEqual(100);
  });
});

describe('neutralizeForGitHub', () => {
  it.each<[string, string, string]>([
    ['the family marker cannot be forged', '<!-- recur:family=x -->', '&lt;!-- recur:family=x --&gt;'],
    ['details and scripts are escaped', '</details><script>alert(1)</script>', '&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['img tags are escaped', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['ampersands are escaped', 'AT&T &amp; co', 'AT&amp;T &amp;amp; co'],
    ['@everyone does not ping', '@everyone look', `@${ZWJ}everyone look`],
    ['user and team mentions', 'cc @alice and (@org/team)', `cc @${ZWJ}alice and (@${ZWJ}org/team)`],
    ['email addresses are left intact', 'mail jane@example.com', 'mail jane@example.com'],
    ['a closing keyword and its reference', 'Fixes #1', `F${ZWJ}ixes #${ZWJ}1`],
    ['cross-repository close', 'Closes owner/repo#3', `C${ZWJ}loses owner/repo#${ZWJ}3`],
    ['keyword with a colon', 'resolved: #4', `r${ZWJ}esolved: #${ZWJ}4`],
    ['keyword with a GitHub issue URL', 'fix https://github.com/o/r/issues/9', `f${ZWJ}ix https${ZWJ}://github.com/o/r/issues/9`],
    ['every keyword spelling', 'close #1 closed #2 fixed #3 resolve #4', `c${ZWJ}lose #${ZWJ}1 c${ZWJ}losed #${ZWJ}2 f${ZWJ}ixed #${ZWJ}3 r${ZWJ}esolve #${ZWJ}4`],
    ['keywords without a reference stay', 'this fixes the flaky test', 'this fixes the flaky test'],
    ['bare issue references', 'see #123 and GH-45', `see #${ZWJ}123 and GH-${ZWJ}45`],
    ['headings', '# Owner\n### Evidence', '\\# Owner\n\\### Evidence'],
    ['setext underlines', 'Title\n===\nSub\n---', 'Title\n\\===\nSub\n\\---'],
    ['thematic breaks', '* * *\n___', '\\* * *\n\\___'],
    ['code fences', '```js\ncode\n~~~', '\\```js\ncode\n\\~~~'],
    ['blockquotes', '> quoted', '&gt; quoted'],
    ['tables', '| a | b |', '\\| a \\| b \\|'],
    ['task boxes and list items', '- [ ] task\n  * item', '\\- \\[ ] task\n  \\* item'],
    ['markdown images', '![pixel](https://evil.example/p.png)', `!\\[pixel\\](https${ZWJ}://evil.example/p.png)`],
    ['markdown links', '[reset here](https://evil.example/login)', `\\[reset here\\](https${ZWJ}://evil.example/login)`],
    ['links to a relative URL', '[docs](/settings/tokens)', '\\[docs\\](/settings/tokens)'],
    ['reference links', '[reset here][1]', '\\[reset here\\]\\[1]'],
    ['link definitions', '[1]: https://evil.example', `\\[1\\]: https${ZWJ}://evil.example`],
    ['angle-bracket autolinks', '<https://evil.example>', `&lt;https${ZWJ}://evil.example&gt;`],
    ['bare URLs', 'see http://evil.example and HTTPS://evil.example/x', `see http${ZWJ}://evil.example and HTTPS${ZWJ}://evil.example/x`],
    ['a URL glued to punctuation', '(https://evil.example) _https://evil.example', `(https${ZWJ}://evil.example) _https${ZWJ}://evil.example`],
    ['www autolinks', 'go to www.evil.example', `go to www${ZWJ}.evil.example`],
    ['ftp autolinks', 'ftp://evil.example/f', `ftp${ZWJ}://evil.example/f`],
    ['a forged placeholder cannot carry a link', '[redacted:email](https://evil.example)', `\\[redacted:email\\](https${ZWJ}://evil.example)`],
    ['words that only contain a scheme stay', 'xhttps:// and awww.b', 'xhttps:// and awww.b'],
    ['brackets in prose', 'items[0] and [draft]', 'items\\[0] and \\[draft]'],
    ['backslashes before punctuation are doubled', 'a \\| b', 'a \\\\\\| b'],
    ['Windows paths are untouched', 'C:\\Users\\bob', 'C:\\Users\\bob'],
    ['plain prose', 'Refund flow calls payment API before policy check.', 'Refund flow calls payment API before policy check.'],
    ['tool names, UUIDs and timestamps', 'issue_refund 550e8400-e29b-41d4-a716-446655440000 2026-11-22T14:03:22Z', 'issue_refund 550e8400-e29b-41d4-a716-446655440000 2026-11-22T14:03:22Z'],
    ['hyphens and amounts mid-line', 'refund-agent-prod refunded -412.80', 'refund-agent-prod refunded -412.80'],
    ['newlines are kept', 'line one\nline two', 'line one\nline two'],
  ])('%s', (_, input, expected) => {
    expect(neutralizeForGitHub(input)).toBe(expected);
  });
});

describe('redactForTicket', () => {
  it.each<[string, string, string]>([
    ['redacts before neutralizing', 'ping @alice: jane@example.com', `ping @${ZWJ}alice: [redacted:email]`],
    ['a hostile description', '### Owner\n</details> ghp_abcdefghijklmnopqrstuvwxyz0123456789', '\\### Owner\n&lt;/details&gt; [redacted:api-key]'],
  ])('%s', (_, input, expected) => {
    expect(redactForTicket(input)).toBe(expected);
  });
});

describe('inlineText', () => {
  it.each<[string, string, number, string]>([
    ['collapses whitespace and newlines', '  Tool\n\nselection\tinconsistency  ', 100, 'Tool selection inconsistency'],
    ['redacts and neutralizes', 'Fixes #1 for jane@example.com', 100, `F${ZWJ}ixes #${ZWJ}1 for [redacted:email]`],
    ['a heading made inline is still escaped', '\n# Owner', 100, '\\# Owner'],
    ['truncates with an ellipsis', 'Refund flow calls payment API before policy check', 20, 'Refund flow calls p…'],
    ['never cuts an entity in half', 'a <b> & c a <b> & c', 20, 'a &lt;b&gt; &amp; c…'],
    ['never cuts a placeholder in half', 'x jane@example.com', 12, 'x…'],
    ['never cuts an escape in half', '| a | b |', 3, '\\|…'],
    ['never splits a surrogate pair', '😀😀😀', 4, '😀…'],
    ['fits exactly without an ellipsis', 'abcde', 5, 'abcde'],
    ['a zero budget gives nothing', 'abc', 0, ''],
  ])('%s', (_, input, max, expected) => {
    const out = inlineText(input, max);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });
});
