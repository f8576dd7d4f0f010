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

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/;
const DIGITS = /^\d+$/;
const HEX = /^[0-9a-fA-F]+$/;

/**
 * An incremental parser of the answers to one HTTP/1.1 connection's requests, one answer at a time: the
 * status line and headers, then a body framed by Content-Length, by chunked transfer coding (extensions
 * and trailers skipped) or by the server closing the connection. Informational (1xx) answers are skipped.
 * Only what the client needs is kept: the status, the content type, whether the connection may be reused
 * and the body's bytes (views of the socket's buffers, no copies).
 */
export class ResponseParser {
  status = 0;
  contentType = '';
  /** The connection may carry another request after this answer. */
  keepAlive = false;
  /** The server's `Keep-Alive: timeout=N`, in seconds, when it gave one. */
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
    const end = headEnd(buf, before ? Math.max(0, before.length - 3) : start);
    if (end < 0) {
      if (buf.length - start > MAX_HEAD) throw new HttpParseError('the status line and headers are longer than 80 KiB');
      this.partialHead = start === 0 ? buf : buf.subarray(start);
      return data.length;
    }
    this.partialHead = undefined;
    if (end - start > MAX_HEAD) throw new HttpParseError('the status line and headers are longer than 80 KiB');
    this.parseHead(buf.toString('latin1', start, end));
    // Offsets in `buf` past the earlier partial head are offsets in `data` past `at`.
    return before ? at + end - before.length : end;
  }

  private parseHead(head: string): void {
    const lines = head.split('\n');
    const statusLine = trimCr(lines[0]);
    const status = STATUS_LINE.exec(statusLine);
    if (!status) throw new HttpParseError(`expected an HTTP/1.x status line, got ${JSON.stringify(statusLine.slice(0, 60))}`);
    const code = Number(status[2]);
    let length: number | undefined;
    let transferEncoding = '';
    let connection = '';
    let contentType = '';
    for (let i = 1; i < lines.length; i++) {
      const line = trimCr(lines[i]);
      // The blank line that ends the head, and obsolete folded continuations (none of the headers read here).
      if (line === '' || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new HttpParseError(`malformed header line ${JSON.stringify(line.slice(0, 60))}`);
      const value = line.slice(colon + 1).trim();
      switch (line.slice(0, colon).toLowerCase()) {
        case 'content-length': {
          if (!DIGITS.test(value)) throw new HttpParseError(`invalid Content-Length ${JSON.stringify(value)}`);
          const n = Number(value);
          if (length !== undefined && length !== n) throw new HttpParseError('two different Content-Length headers');
          length = n;
          break;
        }
        case 'transfer-encoding':
          transferEncoding += `,${value.toLowerCase()}`;
          break;
        case 'connection':
          connection += `,${value.toLowerCase()}`;
          break;
        case 'content-type':
          contentType = value;
          break;
        case 'keep-alive': {
          const timeout = /timeout=(\d+)/i.exec(value);
          if (timeout) this.keepAliveSeconds = Number(timeout[1]);
          break;
        }
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
    this.keepAlive = status[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
    if (code === 204 || code === 304) this.state = DONE;
    else if (transferEncoding !== '') {
      // Chunked must be the last coding; a response coded otherwise runs until the server closes.
      if (/(^|,)\s*chunked\s*$/.test(transferEncoding)) this.state = CHUNK_SIZE;
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

/** The offset just past the blank line that ends the head (CR LF or bare LF line ends), or -1. */
function headEnd(buf: Buffer, from: number): number {
  for (let lf = buf.indexOf(LF, from); lf >= 0; lf = buf.indexOf(LF, lf + 1)) {
    if (buf[lf + 1] === LF) return lf + 2;
    if (buf[lf + 1] === CR && buf[lf + 2] === LF) return lf + 3;
  }
  return -1;
}

function trimCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}
