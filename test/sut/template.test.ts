import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import { placeholdersIn, renderTemplate } from '../../src/sut/index.ts';
import { toCommandLine } from '../../src/sut/command.ts';
import { parseListeningUrl } from '../../src/sut/listening-line.ts';

describe('renderTemplate', () => {
  const context = {
    idp: { gitlab: { jwks: 'http://127.0.0.1:5/jwks' } },
    port: 8080,
    replica: { id: 'replica-2' },
  };

  it('fills nested placeholders, tolerating spaces inside the braces', () => {
    assert.equal(
      renderTemplate('{{ idp.gitlab.jwks }}?r={{replica.id}}&p={{port}}', context),
      'http://127.0.0.1:5/jwks?r=replica-2&p=8080',
    );
    assert.deepEqual(placeholdersIn('a {{x.y}} b {{ z }}'), ['x.y', 'z']);
  });

  it('names the unknown placeholder and where it was found', () => {
    assert.throws(
      () => renderTemplate('{{idp.github.jwks}}', context, 'sut.env.JWKS'),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.problems[0]?.path === 'sut.env.JWKS' &&
        /unknown placeholder \{\{idp\.github\.jwks\}\}; known: idp\.gitlab\.jwks, port, replica\.id/.test(
          e.problems[0].message,
        ),
    );
  });

  it('does not read inherited properties as values', () => {
    assert.throws(() => renderTemplate('{{port.toString}}', context), /unknown placeholder/);
    assert.throws(() => renderTemplate('{{constructor}}', {}), /no placeholders are defined here/);
  });
});

describe('toCommandLine', () => {
  it('execs a string through sh and maps a bare node to this Node binary', () => {
    assert.deepEqual(toCommandLine('node app.js --x "a b"'), {
      file: '/bin/sh',
      args: ['-c', 'exec node app.js --x "a b"'],
    });
    assert.deepEqual(toCommandLine(['node', 'app.js']), { file: process.execPath, args: ['app.js'] });
    assert.deepEqual(toCommandLine(['/usr/bin/node', 'a']), { file: '/usr/bin/node', args: ['a'] });
    assert.throws(() => toCommandLine('  '), /sut\.command: must not be empty/);
    assert.throws(() => toCommandLine([]), /sut\.command: must not be empty/);
  });
});

describe('parseListeningUrl', () => {
  it('reads the URL of a JSON listening line and ignores everything else', () => {
    assert.equal(
      parseListeningUrl('{"msg":"listening","url":"http://127.0.0.1:4000"}'),
      'http://127.0.0.1:4000',
    );
    assert.equal(
      parseListeningUrl('{"level":30,"message":"listening","url":"https://[::1]:9"}'),
      'https://[::1]:9',
    );
    assert.equal(parseListeningUrl('listening on http://127.0.0.1:4000'), undefined);
    assert.equal(parseListeningUrl('{"msg":"listening","url":"ftp://x"}'), undefined);
    assert.equal(parseListeningUrl('{"msg":"listening"'), undefined);
    assert.equal(parseListeningUrl('{"msg":"not listening","url":"http://127.0.0.1:1"}'), undefined);
  });
});
