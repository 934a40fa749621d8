import { describe, expect, it } from 'vitest';
import { renderDescription } from './description-html';

/** Every tag the renderer may write; `<a>` with an href, an optional title and our rel; nothing else anywhere. */
const ALLOWED_TAG = /<(?:\/?(?:p|em|strong|code|pre|ul|ol|li|h[1-6]|blockquote|s|table|thead|tbody|tr)|hr|br|(?:th|td)(?: style="text-align:(?:left|right|center)")?|\/t[hd]|code class="language-[^"<>]*"|ol start="\d+"|\/a|a href="([^"<>]*)"(?: title="[^"<>]*")? rel="nofollow noopener noreferrer")>/y;
const ALLOWED_SCHEME = /^(?:https?:\/\/|mailto:)/i;

const decodeAttribute = (value: string): string =>
  value.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot));/gi, (_m, dec: string, hex: string, name: string) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : ({ amp: '&', lt: '<', gt: '>', quot: '"' } as Record<string, string>)[name.toLowerCase()] as string,
  );

/** Walks every `<` of the output: each must open or close an allowed tag, and each href must be http, https or mailto. */
function expectSafe(html: string): void {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('<script');
  for (let at = html.indexOf('<'); at >= 0; at = html.indexOf('<', at + 1)) {
    ALLOWED_TAG.lastIndex = at;
    const tag = ALLOWED_TAG.exec(html);
    if (!tag) problems.push(`unexpected markup: ${html.slice(at, at + 60)}`);
    else if (/\son[a-z]+\s*=/i.test(tag[0])) problems.push(`event handler: ${tag[0]}`);
    else if (tag[1] !== undefined && !ALLOWED_SCHEME.test(decodeAttribute(tag[1]))) problems.push(`href: ${tag[1]}`);
  }
  expect(problems).toEqual([]);
}

const XSS_CORPUS: readonly string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="javascript:alert(1)">',
  '<svg/onload=alert(1)>',
  '<a href="javascript:alert(1)">click</a>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
  '<!-- <script>alert(1)</script> -->',
  '<!--><script>alert(1)</script>-->',
  '<![CDATA[<script>alert(1)</script>]]>',
  '<p onclick="alert(1)">hi</p>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](  javascript:alert(1))',
  '[click](javascript&#58;alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[click](&#x6A;avascript:alert(1))',
  '[click](java&#x09;script:alert(1))',
  '[click](java\tscript:alert(1))',
  '[click](java\u0000script:alert(1))',
  '[click](java\u200bscript:alert(1))',
  '[click](\u202ejavascript:alert(1))',
  '[click](ｊavascript:alert(1))',
  '[click](vbscript:msgbox(1))',
  '[click](VBScript:msgbox(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[click](DATA:text/html,<script>alert(1)</script>)',
  '[click](file:///etc/passwd)',
  '[click](//evil.example/)',
  '[click](/relative/path)',
  '[click](<javascript:alert(1)>)',
  '[click](http://ok.example/ "title" onclick="alert(1)")',
  '[click](http://ok.example/"onmouseover="alert(1))',
  "[click](http://ok.example/'onmouseover='alert(1))",
  '[click](http://ok.example/><script>alert(1)</script>)',
  '[a](http://ok.example/)](javascript:alert(1))',
  '[[a](http://ok.example/)](javascript:alert(1))',
  '[a [b](javascript:alert(1)) c](http://ok.example/)',
  '[a](javascript:alert(1) "t")',
  '![x](javascript:alert(1))',
  '![x" onerror="alert(1)](http://ok.example/x.png)',
  '<javascript:alert(1)>',
  '<JAVASCRIPT:alert(1)>',
  '<data:text/html,alert(1)>',
  '<vbscript:msgbox(1)>',
  '<http://ok.example/" onmouseover="alert(1)>',
  '<http://ok.example/<script>>',
  '<mailto:x@example.org?body=<script>>',
  '**<script>alert(1)</script>**',
  '*<img src=x onerror=alert(1)>*',
  '`<script>alert(1)</script>`',
  '```html\n<script>alert(1)</script>\n```',
  '# <script>alert(1)</script>',
  '- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))',
  '1. <svg onload=alert(1)>',
  '\\<script>alert(1)\\</script>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;script&#62;alert(1)&#60;/script&#62;',
  '<scrіpt>alert(1)</scrіpt>',
  '＜script＞alert(1)＜/script＞',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '[x](http://ok.example/)<script>alert(1)</script>',
  '<a href="http://ok.example/" onclick="alert(1)">x</a>',
  '<style>*{background:url(javascript:alert(1))}</style>',
  '<base href="javascript:alert(1)//">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<object data="javascript:alert(1)"></object>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
];

describe('renderDescription', () => {
  it('renders CommonMark with GFM tables', () => {
    expect(renderDescription('# Title\n\nSome *emphasis*, **strong**, `code` and _more_.')).toBe(
      '<h1>Title</h1>\n<p>Some <em>emphasis</em>, <strong>strong</strong>, <code>code</code> and <em>more</em>.</p>',
    );
    expect(renderDescription('- one\n- two')).toBe('<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
    expect(renderDescription('```python\nif a < b:\n    pass\n```')).toBe('<pre><code class="language-python">if a &lt; b:\n    pass\n</code></pre>');
    expect(renderDescription('See [the paper](https://arxiv.org/abs/1234.5678?x=1&y=2).')).toBe(
      '<p>See <a href="https://arxiv.org/abs/1234.5678?x=1&amp;y=2" rel="nofollow noopener noreferrer">the paper</a>.</p>',
    );
    expect(renderDescription('<https://lsst.org/>')).toBe('<p><a href="https://lsst.org/" rel="nofollow noopener noreferrer">https://lsst.org/</a></p>');
    expect(renderDescription('| column | meaning |\n|:--|--:|\n| `z` | redshift |')).toBe(
      '<table>\n<thead>\n<tr>\n<th style="text-align:left">column</th>\n<th style="text-align:right">meaning</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td style="text-align:left"><code>z</code></td>\n<td style="text-align:right">redshift</td>\n</tr>\n</tbody>\n</table>',
    );
    expect(renderDescription('')).toBe('');
  });

  it('shows raw HTML as text, never as markup', () => {
    expect(renderDescription('a <b>bold</b> & "quoted"')).toBe('<p>a &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;</p>');
    expect(renderDescription('<!-- hidden -->')).toBe('<p>&lt;!-- hidden --&gt;</p>');
    expect(renderDescription('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('makes no link of a URL that is not http, https or mailto, and no image at all', () => {
    expect(renderDescription('[click](javascript:alert(1))')).not.toContain('<a');
    expect(renderDescription('[click](vbscript:x)')).not.toContain('<a');
    expect(renderDescription('[click](/relative)')).not.toContain('<a');
    expect(renderDescription('<javascript:alert(1)>')).toBe('<p>&lt;javascript:alert(1)&gt;</p>');
    expect(renderDescription('![x](http://tracker.example/p.png)')).not.toContain('<img');
  });

  it.each(XSS_CORPUS.map((input) => [input]))('writes no script, event handler or foreign URL scheme for %j', (input) => {
    expectSafe(renderDescription(input));
    expectSafe(renderDescription(`intro\n\n${input}\n\n- item ${input}\n\n**${input}**\n\n| a | ${input} |\n|---|---|\n| ${input} | x |`));
  });

  it('stays linear on hostile input (backtick runs, unclosed delimiters, deep brackets, wide tables)', () => {
    const hostile = [
      '` ``'.repeat(24_000),
      Array.from({ length: 20_000 }, (_, i) => '`'.repeat(1 + (i % 50))).join(' ').slice(0, 97_000),
      '*a '.repeat(30_000),
      '_a '.repeat(30_000),
      '['.repeat(48_000) + ']'.repeat(48_000),
      '[a]('.repeat(24_000),
      '<http://x'.repeat(10_000),
      '*_'.repeat(48_000),
      '>'.repeat(50_000) + ' a',
      '- '.repeat(30_000) + 'a',
      `${'|a'.repeat(1_000)}\n${'|-'.repeat(1_000)}\n${'|x\n'.repeat(20_000)}`,
      '[a]: http://x\n'.repeat(5_000) + '[a]'.repeat(10_000),
    ];
    for (const input of hostile) {
      expectSafe(renderDescription(input));
      // Four times the size costs about four times the time (ten leaves room for garbage
      // collection on a shared machine); a quadratic renderer costs sixteen times. Best of three.
      const cost = (text: string) => Math.min(...[0, 1, 2].map(() => { const t = performance.now(); renderDescription(text); return performance.now() - t; }));
      const quarter = cost(input.slice(0, input.length / 4));
      const whole = cost(input);
      expect(whole, input.slice(0, 20)).toBeLessThan(Math.max(10 * quarter, 200));
      expect(whole, input.slice(0, 20)).toBeLessThan(1_500);
    }
  });
});
