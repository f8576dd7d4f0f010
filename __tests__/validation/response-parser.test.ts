import { describe, expect, it } from '@jest/globals';
import { HttpParseError, ResponseParser } from '../../shared/validation/endpoint/response-parser.js';

interface Parsed {
  complete: boolean;
  status: number;
  contentType: string;
  keepAlive: boolean;
  keepAliveSeconds?: number;
  body: string;
}

/**
 * Feeds the pieces in order, then the connection's end when `close`; what the parser made of them. With
 * `reuse`, as the client reads: each piece is read into the same buffer, and `retain()` follows each feed
 * that did not complete the answer, before the next read overwrites the buffer (a complete answer is read
 * before the next read, as the client decodes it at once).
 */
function parse(pieces: Buffer[], close = false, reuse = false): Parsed {
  const p = new ResponseParser();
  const shared = Buffer.alloc(Math.max(0, ...pieces.map((piece) => piece.length)));
  let complete = false;
  for (const piece of pieces) {
    expect(complete).toBe(false); // nothing is fed after the answer is complete, as the connection does
    if (!reuse) complete = p.feed(piece);
    else {
      shared.fill(0x23);
      piece.copy(shared);
      complete = p.feed(shared.subarray(0, piece.length));
      if (!complete) p.retain();
    }
  }
  if (close && !complete) complete = p.end();
  return { complete, status: p.status, contentType: p.contentType, keepAlive: p.keepAlive, keepAliveSeconds: p.keepAliveSeconds, body: Buffer.concat(p.body).toString('utf8') };
}

/** The answer in one piece, split in two at every byte, and one byte at a time: all must read the same. */
function parseEverySplit(text: string | Buffer, close = false): Parsed {
  const bytes = Buffer.from(text);
  const whole = parse([bytes], close);
  for (let at = 1; at < bytes.length; at++) {
    expect([at, parse([bytes.subarray(0, at), bytes.subarray(at)], close)]).toEqual([at, whole]);
    expect([at, 'one read buffer', parse([bytes.subarray(0, at), bytes.subarray(at)], close, true)]).toEqual([at, 'one read buffer', whole]);
  }
  expect(parse([...bytes].map((b) => Buffer.from([b])), close)).toEqual(whole);
  expect(parse([...bytes].map((b) => Buffer.from([b])), close, true)).toEqual(whole);
  return whole;
}

const body = JSON.stringify({ choices: [{ message: { content: 'Paris — la capitale ✓' } }] });

describe('ResponseParser', () => {
  it('reads a body framed by Content-Length, however the bytes are split', () => {
    const r = parseEverySplit(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nKeep-Alive: timeout=7\r\n\r\n${body}`);
    expect(r).toEqual({ complete: true, status: 200, contentType: 'application/json', keepAlive: true, keepAliveSeconds: 7, body });
  });

  it('reads a chunked body with chunk extensions and trailers, however the bytes are split', () => {
    const r = parseEverySplit('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n5;name=value\r\n{"a":\r\nA\r\n "bcdefgh"\r\n1\r\n}\r\n0\r\nX-Checksum: abc\r\n\r\n');
    expect(r).toEqual({ complete: true, status: 200, contentType: 'application/json', keepAlive: true, body: '{"a": "bcdefgh"}' });
  });

  it('lets chunked coding win over a Content-Length beside it', () => {
    expect(parseEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n')).toMatchObject({ complete: true, body: '{}' });
  });

  it('reads a body that runs until the server closes, and never reuses that connection', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"until": "close"}';
    expect(parse([Buffer.from(text)])).toMatchObject({ complete: false, status: 200 });
    expect(parseEverySplit(text, true)).toEqual({ complete: true, status: 200, contentType: 'application/json', keepAlive: false, body: '{"until": "close"}' });
    // A transfer coding other than chunked last is read the same way.
    expect(parseEverySplit('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz', true)).toMatchObject({ complete: true, keepAlive: false, body: 'zz' });
  });

  it('does not complete a sized body cut short by the close', () => {
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')], true)).toMatchObject({ complete: false, status: 200 });
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab')], true)).toMatchObject({ complete: false });
  });

  it('skips informational answers before the final one', () => {
    const r = parseEverySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}');
    expect(r).toMatchObject({ complete: true, status: 201, body: '{}' });
  });

  it('knows when the connection can be reused', () => {
    const keep = (head: string) => parse([Buffer.from(`${head}\r\n\r\n`)]).keepAlive;
    expect(keep('HTTP/1.1 200 OK\r\nContent-Length: 0')).toBe(true);
    expect(keep('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close')).toBe(false);
    expect(keep('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: Upgrade, Close')).toBe(false);
    expect(keep('HTTP/1.0 200 OK\r\nContent-Length: 0')).toBe(false);
    expect(keep('HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive')).toBe(true);
    // Bytes after the end of the answer, when nothing more was asked: out of step, so not reused.
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n')])).toMatchObject({ complete: true, keepAlive: false, body: '{}' });
  });

  it('reads header names in any case and values with spaces around them', () => {
    const r = parse([Buffer.from('HTTP/1.1 200 OK\r\nCONTENT-LENGTH:   2 \r\ncontent-TYPE:  text/html; charset=utf-8 \r\nkeep-alive: max=100, timeout=5\r\nConnection:\tKeep-Alive\r\n\r\n{}')]);
    expect(r).toEqual({ complete: true, status: 200, contentType: 'text/html; charset=utf-8', keepAlive: true, keepAliveSeconds: 5, body: '{}' });
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n')])).toMatchObject({ complete: true, body: '' });
  });

  it('ends answers without a body at the blank line: 204, 304 and Content-Length 0', () => {
    for (const head of ['HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 200 OK\r\nContent-Length: 0']) {
      expect(parseEverySplit(`${head}\r\n\r\n`)).toMatchObject({ complete: true, keepAlive: true, body: '' });
    }
  });

  it('accepts bare LF line ends', () => {
    expect(parseEverySplit('HTTP/1.1 404 Not Found\nContent-Type: application/json\nContent-Length: 2\n\n{}')).toMatchObject({ complete: true, status: 404, contentType: 'application/json', body: '{}' });
  });

  it('reads the next answer after a reset', () => {
    const p = new ResponseParser();
    expect(p.feed(Buffer.from('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops'))).toBe(true);
    expect([p.status, Buffer.concat(p.body).toString()]).toEqual([500, 'oops']);
    p.reset();
    expect(p.answered).toBe(false);
    expect(p.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'))).toBe(true);
    expect([p.status, Buffer.concat(p.body).toString()]).toEqual([200, 'ok']);
  });

  it('refuses what is not an HTTP/1.x answer, saying what was wrong', () => {
    const fails = (text: string) => () => new ResponseParser().feed(Buffer.from(text));
    expect(fails('SSH-2.0-OpenSSH_9.6\r\n\r\n')).toThrow(new HttpParseError('expected an HTTP/1.x status line, got "SSH-2.0-OpenSSH_9.6"'));
    expect(fails('HTTP/2 200\r\n\r\n')).toThrow(/expected an HTTP\/1.x status line/);
    expect(fails('HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n')).toThrow('invalid Content-Length "12abc"');
    expect(fails('HTTP/1.1 200 OK\r\nContent-Length: 4 2\r\n\r\n')).toThrow('invalid Content-Length "4 2"');
    expect(fails('HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n')).toThrow('invalid Content-Length ""');
    expect(fails('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n')).toThrow('two different Content-Length headers');
    expect(fails('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n')).toThrow('malformed header line "no colon here"');
    expect(fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow('invalid chunk size "zz"');
    expect(fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n')).toThrow('a chunk longer than its size');
    expect(fails('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n')).toThrow(/switched protocols/);
    expect(fails(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(81 * 1024)}`)).toThrow('the status line and headers are longer than 80 KiB');
  });

  it('refuses an endless head even when it comes in many small reads', () => {
    const p = new ResponseParser();
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\n'));
    expect(() => {
      for (let i = 0; i < 100; i++) p.feed(Buffer.from(`X-Header-${i}: ${'v'.repeat(1000)}\r\n`));
    }).toThrow('the status line and headers are longer than 80 KiB');
  });
});
