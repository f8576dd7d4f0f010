/** The answer is not HTTP/1.x as the client understands it. */
export class HttpParseError extends Error {}

/** Status line and headers together may not be longer than this (as Node's own parser). */
const MAX_HEAD = 80 * 1024;
const LF = 10;
const CR = 13;

// Where the parser is in the answer.
const HEAD = 0;
const SIZED = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_END = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;
const DONE = 7;

const HEX = /^[0-9a-fA-F]+$/;

/**
 * An incremental parser of the answers to one HTTP/1.1 connection's requests, one answer at a time: the
 * status line and headers, then a body framed by Content-Length, by chunked transfer coding (extensions
 * and trailers skipped) or by the server closing the connection. Informational (1xx) answers are skipped.
 * Only what the client needs is kept: the status, the content type, whether the connection may be reused
 * and the body's bytes (views of the bytes fed, copied only when `retain()` asks).
 */
export class ResponseParser {
  status = 0;
  contentType = '';
  /** The connection may carry another request after this answer. */
  keepAlive = false;
  /** The server's `Keep-Alive: timeout=N`, in seconds, from the latest answer on the connection that gave one. */
  keepAliveSeconds: number | undefined;
  /** The final status line and headers have been read. */
  answered = false;
  body: Buffer[] = [];
  private state = HEAD;
  /** Head bytes received so far, when the head spans several reads. */
  private partialHead: Buffer | undefined;
  /** Bytes still to come of a sized body or of the current chunk. */
  private remaining = 0;
  /** A chunk-size or trailer line split across reads. */
  private partialLine = '';
  private line = '';
  /** Entries of `body` that are copies of their own rather than views of the bytes fed. */
  private owned = 0;

  /** Ready for the next answer on the same connection. */
  reset(): void {
    this.status = 0;
    this.contentType = '';
    this.keepAlive = false;
    this.answered = false;
    this.body = [];
    this.state = HEAD;
    this.partialHead = undefined;
    this.remaining = 0;
    this.partialLine = '';
    this.owned = 0;
  }

  /**
   * Copies what the parser holds of the bytes fed so far (body pieces, a partial head) out of them: for a
   * caller that reads into one buffer and overwrites it with the next read.
   */
  retain(): void {
    for (let i = this.owned; i < this.body.length; i++) this.body[i] = Buffer.from(this.body[i]);
    this.owned = this.body.length;
    if (this.partialHead) this.partialHead = Buffer.from(this.partialHead);
  }

  /**
   * Reads bytes from the socket; true once the answer is complete. Bytes after the end of the answer (none
   * were asked for) leave `keepAlive` false. Throws HttpParseError when the bytes are not a valid answer.
   */
  feed(data: Buffer): boolean {
    let at = 0;
    while (at < data.length) {
      switch (this.state) {
        case HEAD:
          at = this.readHead(data, at);
          break;
        case SIZED:
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, data.length - at);
          this.body.push(at === 0 && n === data.length ? data : data.subarray(at, at + n));
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = this.state === SIZED ? DONE : CHUNK_END;
          break;
        }
        case UNTIL_CLOSE:
          this.body.push(at === 0 ? data : data.subarray(at));
          at = data.length;
          break;
        case CHUNK_SIZE:
        case CHUNK_END:
        case TRAILERS:
          at = this.readLine(data, at);
          if (at >= 0) this.onLine();
          else at = data.length;
          break;
        default:
          // DONE with bytes left over: the connection is out of step with its requests.
          this.keepAlive = false;
          at = data.length;
      }
    }
    return this.state === DONE;
  }

  /** The server closed the connection: true when that ends an answer whose body runs until the close. */
  end(): boolean {
    if (this.state !== UNTIL_CLOSE) return false;
    this.state = DONE;
    return true;
  }

  private readHead(data: Buffer, at: number): number {
    const before = this.partialHead;
    const buf = before ? Buffer.concat([before, data.subarray(at)]) : data;
    const start = before ? 0 : at;
    const head = headOf(buf, start, before ? Math.max(start, before.length - 3) : start);
    if (head === undefined) {
      if (buf.length - start > MAX_HEAD) throw new HttpParseError('the status line and headers are longer than 80 KiB');
      this.partialHead = start === 0 ? buf : buf.subarray(start);
      return data.length;
    }
    this.partialHead = undefined;
    if (head.length > MAX_HEAD) throw new HttpParseError('the status line and headers are longer than 80 KiB');
    this.parseHead(head);
    const end = start + head.length;
    // Offsets in `buf` past the earlier partial head are offsets in `data` past `at`.
    return before ? at + end - before.length : end;
  }

  /**
   * The status line and headers (latin1, up to and with the blank line). String searches, not Buffer ones
   * (each a call into C++), and strings made only of the values of the few headers the client reads.
   */
  private parseHead(head: string): void {
    let lineEnd = head.indexOf('\n');
    const code = statusCode(head, lineEnd);
    if (code < 0) throw new HttpParseError(`expected an HTTP/1.x status line, got ${JSON.stringify(trimCr(head.slice(0, lineEnd)).slice(0, 60))}`);
    const http11 = head.charCodeAt(7) === 0x31;
    let length: number | undefined;
    let transferEncoding = '';
    let connection = '';
    let contentType = '';
    for (let at = lineEnd + 1; at < head.length; at = lineEnd + 1) {
      lineEnd = head.indexOf('\n', at);
      const stop = head.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
      const first = head.charCodeAt(at);
      // The blank line that ends the head, and obsolete folded continuations (none of the headers read here).
      if (stop === at || first === 32 || first === 9) continue;
      const colon = head.indexOf(':', at);
      if (colon <= at || colon > stop) throw new HttpParseError(`malformed header line ${JSON.stringify(head.slice(at, stop).slice(0, 60))}`);
      const name = headerName(head, at, colon);
      if (name === OTHER) continue;
      if (name === CONTENT_LENGTH) {
        const n = digits(head, colon + 1, stop);
        if (n < 0) throw new HttpParseError(`invalid Content-Length ${JSON.stringify(head.slice(colon + 1, stop).trim())}`);
        if (length !== undefined && length !== n) throw new HttpParseError('two different Content-Length headers');
        length = n;
      } else if (name === KEEP_ALIVE) {
        const timeout = head.indexOf('timeout=', colon);
        if (timeout > 0 && timeout < stop) this.keepAliveSeconds = Math.max(0, digits(head, timeout + 8, stop, true));
      } else {
        const value = head.slice(colon + 1, stop).trim();
        if (name === CONTENT_TYPE) contentType = value;
        else if (name === CONNECTION) connection += `,${value}`;
        else transferEncoding += `,${value}`;
      }
    }
    if (code < 200) {
      // 100 Continue, 103 Early Hints...: the real answer follows. 101 would switch protocols, never asked for.
      if (code === 101) throw new HttpParseError('the server switched protocols (101) without being asked to');
      return;
    }
    this.status = code;
    this.contentType = contentType;
    this.answered = true;
    this.keepAlive = http11 ? !/(^|,)\s*close\s*(,|$)/i.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/i.test(connection);
    if (code === 204 || code === 304) this.state = DONE;
    else if (transferEncoding !== '') {
      // Chunked must be the last coding; a response coded otherwise runs until the server closes.
      if (/(^|,)\s*chunked\s*$/i.test(transferEncoding)) this.state = CHUNK_SIZE;
      else this.untilClose();
    } else if (length !== undefined) {
      this.remaining = length;
      this.state = length === 0 ? DONE : SIZED;
    } else this.untilClose();
  }

  private untilClose(): void {
    this.state = UNTIL_CLOSE;
    this.keepAlive = false;
  }

  /** Reads one line into `line` (without its CR LF): the offset after it, or -1 when it is not complete yet. */
  private readLine(data: Buffer, at: number): number {
    const lf = data.indexOf(LF, at);
    if (lf < 0) {
      this.partialLine += data.toString('latin1', at);
      if (this.partialLine.length > MAX_HEAD) throw new HttpParseError('a chunk size or trailer line longer than 80 KiB');
      return -1;
    }
    this.line = trimCr(this.partialLine + data.toString('latin1', at, lf));
    this.partialLine = '';
    return lf + 1;
  }

  private onLine(): void {
    const line = this.line;
    if (this.state === CHUNK_SIZE) {
      const semicolon = line.indexOf(';');
      const hex = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
      if (!HEX.test(hex) || hex.length > 12) throw new HttpParseError(`invalid chunk size ${JSON.stringify(line.slice(0, 60))}`);
      this.remaining = parseInt(hex, 16);
      this.state = this.remaining === 0 ? TRAILERS : CHUNK_DATA;
    } else if (this.state === CHUNK_END) {
      if (line !== '') throw new HttpParseError('a chunk longer than its size');
      this.state = CHUNK_SIZE;
    } else if (line === '') this.state = DONE; // TRAILERS: skipped up to the blank line
  }
}

const LF_CR_LF = Buffer.from('\n\r\n');
const LF_LF = Buffer.from('\n\n');

/**
 * The head at buf[start...] up to and with the blank line that ends it (CR LF or bare LF line ends), as a
 * latin1 string; undefined while the blank line has not come. The search for it begins at `from`.
 */
function headOf(buf: Buffer, start: number, from: number): string | undefined {
  const crlf = buf.indexOf(LF_CR_LF, from);
  if (crlf >= 0) {
    const head = buf.toString('latin1', start, crlf + 3);
    // A bare LF blank line before it ends the head sooner.
    const bare = head.indexOf('\n\n', from - start);
    return bare < 0 ? head : head.slice(0, bare + 2);
  }
  const bare = buf.indexOf(LF_LF, from);
  return bare < 0 ? undefined : buf.toString('latin1', start, bare + 2);
}

/** `HTTP/1.x NNN`, with a reason phrase or none, on the head's first line (ending at `lineEnd`): the code, or -1. */
function statusCode(head: string, lineEnd: number): number {
  const stop = head.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
  if (!head.startsWith('HTTP/1.') || stop < 12 || (stop > 12 && head.charCodeAt(12) !== 32) || head.charCodeAt(8) !== 32) return -1;
  const version = head.charCodeAt(7);
  if (version !== 0x30 && version !== 0x31) return -1;
  let code = 0;
  for (let i = 9; i < 12; i++) {
    const d = head.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    code = code * 10 + d;
  }
  return code >= 100 ? code : -1;
}

// The headers the client reads.
const OTHER = 0;
const CONTENT_LENGTH = 1;
const TRANSFER_ENCODING = 2;
const CONNECTION = 3;
const CONTENT_TYPE = 4;
const KEEP_ALIVE = 5;

/** Which of the headers read the name at head[start, end) is, in any case; OTHER for the rest. */
function headerName(head: string, start: number, end: number): number {
  switch (end - start) {
    case 10:
      return nameIs(head, start, 'connection') ? CONNECTION : nameIs(head, start, 'keep-alive') ? KEEP_ALIVE : OTHER;
    case 12:
      return nameIs(head, start, 'content-type') ? CONTENT_TYPE : OTHER;
    case 14:
      return nameIs(head, start, 'content-length') ? CONTENT_LENGTH : OTHER;
    case 17:
      return nameIs(head, start, 'transfer-encoding') ? TRANSFER_ENCODING : OTHER;
    default:
      return OTHER;
  }
}

/** head[start...] spells `name` (lower case) in any case: ASCII letters match either case, other characters only themselves. */
function nameIs(head: string, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = head.charCodeAt(start + i);
    const want = name.charCodeAt(i);
    if (c !== want && !(want >= 0x61 && want <= 0x7a && c === want - 0x20)) return false;
  }
  return true;
}

/**
 * The decimal number at head[start, stop) between optional spaces or tabs, or -1 when it is anything else;
 * with `prefix`, the digits at `start` up to the first other character.
 */
function digits(head: string, start: number, stop: number, prefix = false): number {
  let i = start;
  while (i < stop && (head.charCodeAt(i) === 32 || head.charCodeAt(i) === 9)) i++;
  const first = i;
  let n = 0;
  for (; i < stop; i++) {
    const d = head.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (i === first || i - first > 15) return -1;
  if (!prefix) while (i < stop && (head.charCodeAt(i) === 32 || head.charCodeAt(i) === 9)) i++;
  return prefix || i === stop ? n : -1;
}

function trimCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}
