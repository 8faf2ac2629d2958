import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../../src/load/request-template.ts';
import { TemplateRenderer } from '../../src/sut/template.ts';
import { parseTemplate } from '../../src/util/template.ts';

describe('the one {{…}} template syntax', () => {
  it('splits text and trimmed placeholder names', () => {
    assert.deepEqual(parseTemplate('Bearer {{ token }}!'), {
      parts: [{ text: 'Bearer ' }, { name: 'token', source: '{{ token }}' }, { text: '!' }],
    });
  });

  it('refuses stray braces the same way in SUT templates and request templates', () => {
    for (const text of ['{{port}', 'x}}', '{{ {{a}} }}']) {
      const renderer = new TemplateRenderer({ port: 1, a: 'a' });
      renderer.render(text, 'sut.env.X');
      assert.deepEqual(
        renderer.problems.map((p) => p.message),
        [`unbalanced {{ }} in ${JSON.stringify(text)}`],
        text,
      );
      assert.throws(() => compileTemplate({ path: '/', headers: { x: text } }, 't'), {
        message: `t.headers.x: unbalanced {{ }} in ${JSON.stringify(text)}`,
      });
    }
  });
});
