import { describe, expect, it } from '@jest/globals';
import { escapeMarkdown, inlineCode, markdownTable } from '../../shared/action/summary.js';
import { hooksSummary } from '../../shared/hooks/summary.js';

const HOSTILE = 'rolled back | see [docs](https://evil.example) <script>alert(1)</script>\n# Promoted! **ok** `x` ![i](https://evil.example/p.png)';

describe('user text in summaries, PR comments and check runs', () => {
  it('is escaped for Markdown and HTML, on one line: no link, image, heading, table break or tag survives', () => {
    expect(escapeMarkdown(HOSTILE)).toBe(
      'rolled back \\| see \\[docs\\](https://evil.example) &lt;script&gt;alert(1)&lt;/script&gt; \\# Promoted! \\*\\*ok\\*\\* \\`x\\` !\\[i\\](https://evil.example/p.png)',
    );
  });

  it('stays one cell of a table: an escaped `|` is not escaped twice', () => {
    const table = markdownTable(['reason'], [[escapeMarkdown('a | b')]]);
    expect(table.split('\n')[2]).toBe('| a \\| b |');
  });

  it('shows a name as inline code that a backtick cannot close', () => {
    expect(inlineCode('smoke` <b>x</b>')).toBe("`smoke' <b>x</b>`");
  });

  it('escapes what a hook endpoint answered in the hooks summary', () => {
    const md = hooksSummary([{ stage: 'pre-traffic', results: [{ stage: 'pre-traffic', name: 'smoke`', kind: 'http', outcome: 'failed', detail: 'HTTP 500: <h1>oops</h1> | [x](y)', durationMs: 12 }] }] as never);
    expect(md).toContain("| pre-traffic | `smoke'` | http | ❌ failed |");
    expect(md).toContain('HTTP 500: &lt;h1&gt;oops&lt;/h1&gt; \\| \\[x\\](y) |');
  });
});
