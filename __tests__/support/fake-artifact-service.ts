import { LoopbackServer } from './loopback-server.js';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { crc32, inflateRawSync } from 'node:zlib';

/**
 * A fake of GitHub's artifact backend on 127.0.0.1, for the tests only: the real service exists only
 * inside a GitHub runner. It speaks exactly what @actions/artifact v6 sends (read from
 * node_modules/@actions/artifact/lib/internal):
 *
 * - Twirp JSON: `POST /twirp/github.actions.results.api.v1.ArtifactService/<Method>` for CreateArtifact,
 *   FinalizeArtifact, ListArtifacts and GetSignedArtifactURL, `Content-Type: application/json`, the body
 *   in proto field names (snake_case), `Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>`;
 * - the token, a JWT whose `scp` claim holds `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>`;
 * - the zip upload to CreateArtifact's signed URL the way @azure/storage-blob's `uploadStream` does it,
 *   always as blocks: `PUT ?comp=block&blockid=<base64>` per chunk, then `PUT ?comp=blocklist` with the
 *   XML block list (never a single-shot PUT);
 * - the download: `GET` of GetSignedArtifactURL's URL, a zip the client unzips.
 *
 * It keeps the artifacts in memory and records what it is sent (names, expiry, mime type, the backend
 * ids the token carried, size, hash and the zip's entries) for tests to assert on. It is strict: a
 * request it does not understand, or that the real service would refuse (unknown method or field,
 * a token it did not issue, backend ids other than the token's, a name already taken in the run, a
 * block list naming an unstaged block, a size or hash that is not the blob's, a CRC that does not
 * match), gets a 4xx, and is listed in `rejections` so a test can also check that nothing was refused.
 */

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';
const ACCOUNT = 'devstoreaccount1';

export interface BackendIds {
  run: string;
  job: string;
}

export interface StoredArtifact {
  id: number;
  name: string;
  /** The backend ids of the token that created it. */
  run: string;
  job: string;
  version: number;
  mimeType?: string;
  /** CreateArtifact's `expires_at` (RFC 3339), when a retention was given. */
  expiresAt?: string;
  createdAt: Date;
  finalized: boolean;
  /** FinalizeArtifact's `size` and `hash` (`sha256:<hex>`). */
  size?: number;
  hash?: string;
  /** The committed blob: the zip as uploaded. */
  blob?: Buffer;
  /** The zip's entries, name to content (UTF-8), in the order of its central directory. */
  files?: Record<string, string>;
  uploadSig: string;
  downloadSig: string;
  staged: Map<string, Buffer>;
}

/** One request as received: method, path, query, parsed JSON body (Twirp) and the backend ids of its token. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  ids?: BackendIds;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const refuse = (status: number, code: string, message: string): never => {
  throw new Refusal(status, code, message);
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The fields each Twirp method accepts (proto names), and which of them must be present. */
const FIELDS: Record<string, { allowed: string[]; required: string[] }> = {
  CreateArtifact: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'expires_at', 'version', 'mime_type'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'version'],
  },
  FinalizeArtifact: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'size', 'hash'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'size'],
  },
  ListArtifacts: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name_filter', 'id_filter'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id'],
  },
  GetSignedArtifactURL: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name'],
  },
};

export class FakeArtifactService {
  readonly artifacts: StoredArtifact[] = [];
  readonly requests: ReceivedRequest[] = [];
  /** Every request answered with a 4xx: `<status> <method> <path>: <why>`. */
  readonly rejections: string[] = [];
  url = '';
  private readonly tokens = new Map<string, BackendIds>();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly loopback = new LoopbackServer(this.server);
  private nextId = 1000;

  async start(): Promise<this> {
    this.url = await this.loopback.listen();
    return this;
  }

  stop(): Promise<void> {
    return this.loopback.close();
  }

  /** Forgets artifacts, requests and rejections (issued tokens stay valid). */
  reset(): void {
    this.artifacts.length = 0;
    this.requests.length = 0;
    this.rejections.length = 0;
  }

  /** A runtime token for a job of a run, shaped like the runner's (a JWT with the Actions.Results scope). */
  token(ids: BackendIds): string {
    const payload = {
      scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${ids.run}:${ids.job} Actions.UploadArtifacts:00000000-0000-0000-0000-000000000000:1`,
      iss: 'fake-artifact-service',
      nonce: randomBytes(8).toString('hex'),
      exp: Math.floor(Date.now() / 1000) + 3600,
    };
    const jwt = `${base64url({ typ: 'JWT', alg: 'RS256' })}.${base64url(payload)}.${randomBytes(32).toString('base64url')}`;
    this.tokens.set(jwt, ids);
    return jwt;
  }

  /** The environment a step of that job sees on a runner: the token and the results service URL. */
  env(ids: BackendIds): { ACTIONS_RUNTIME_TOKEN: string; ACTIONS_RESULTS_URL: string } {
    return { ACTIONS_RUNTIME_TOKEN: this.token(ids), ACTIONS_RESULTS_URL: `${this.url}/` };
  }

  /** The finalized artifacts, in creation order. */
  finalized(): StoredArtifact[] {
    return this.artifacts.filter((a) => a.finalized);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const request: ReceivedRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    this.requests.push(request);
    const twirp = url.pathname.startsWith('/twirp/');
    try {
      if (twirp) {
        const answer = this.twirp(req, request, body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      } else {
        this.blob(req, request, body, res);
      }
    } catch (error) {
      const r = error instanceof Refusal ? error : new Refusal(400, 'malformed', (error as Error).message);
      this.rejections.push(`${r.status} ${request.method} ${request.path}: ${r.message}`);
      if (twirp) {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: r.code, msg: r.message }));
      } else {
        const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${r.code}</Code><Message>${r.message}</Message></Error>`;
        res.writeHead(r.status, { 'content-type': 'application/xml', 'x-ms-error-code': r.code });
        res.end(xml);
      }
    }
  }

  // Twirp: the artifact service proper.

  private twirp(req: IncomingMessage, request: ReceivedRequest, raw: Buffer): unknown {
    if (!request.path.startsWith(SERVICE)) refuse(404, 'bad_route', `no service at ${request.path}`);
    const method = request.path.slice(SERVICE.length);
    const fields = FIELDS[method] ?? refuse(404, 'bad_route', `no method ${method}`);
    if (request.method !== 'POST') refuse(404, 'bad_route', `${request.method} is not a Twirp call`);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) refuse(404, 'bad_route', `content type ${req.headers['content-type']}`);
    const auth = req.headers.authorization ?? '';
    const ids = auth.startsWith('Bearer ') ? this.tokens.get(auth.slice('Bearer '.length)) : undefined;
    if (!ids) refuse(401, 'unauthenticated', 'no token this service issued');
    request.ids = ids;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return refuse(400, 'malformed', 'the body is not JSON');
    }
    request.body = body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) refuse(400, 'malformed', 'the body is not a JSON object');
    for (const key of Object.keys(body)) if (!fields.allowed.includes(key)) refuse(400, 'malformed', `unknown field ${key}`);
    for (const key of fields.required) if (body[key] === undefined) refuse(400, 'invalid_argument', `${key} is required`);
    // Every call is about the token's run; all but GetSignedArtifactURL (which names the job that uploaded
    // the artifact, as ListArtifacts reported it) also name the token's job.
    if (body.workflow_run_backend_id !== ids!.run) refuse(403, 'permission_denied', 'workflow_run_backend_id is not the token\'s run');
    if (method !== 'GetSignedArtifactURL' && body.workflow_job_run_backend_id !== ids!.job) {
      refuse(403, 'permission_denied', 'workflow_job_run_backend_id is not the token\'s job');
    }
    const str = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : refuse(400, 'malformed', `${key} is not a string`));
    switch (method) {
      case 'CreateArtifact':
        return this.create(ids!, body, str);
      case 'FinalizeArtifact':
        return this.finalize(ids!, body, str);
      case 'ListArtifacts':
        return this.list(ids!, body);
      default:
        return this.signedUrl(ids!, str('workflow_job_run_backend_id'), str('name'));
    }
  }

  private create(ids: BackendIds, body: Record<string, unknown>, str: (key: string) => string): unknown {
    const name = str('name');
    if (!/^[^"<>|*?:\r\n\\/]+$/.test(name)) refuse(400, 'invalid_argument', `invalid artifact name '${name}'`);
    if (body.version !== 7) refuse(400, 'invalid_argument', `unsupported version ${String(body.version)}`);
    if (body.expires_at !== undefined && (typeof body.expires_at !== 'string' || Number.isNaN(Date.parse(body.expires_at)))) {
      refuse(400, 'malformed', 'expires_at is not an RFC 3339 timestamp');
    }
    if (body.mime_type !== undefined && typeof body.mime_type !== 'string') refuse(400, 'malformed', 'mime_type is not a string');
    if (this.artifacts.some((a) => a.run === ids.run && a.name === name)) {
      refuse(409, 'already_exists', `an artifact named '${name}' already exists in this run`);
    }
    const id = this.nextId++;
    const artifact: StoredArtifact = {
      id,
      name,
      run: ids.run,
      job: ids.job,
      version: 7,
      mimeType: body.mime_type as string | undefined,
      expiresAt: body.expires_at as string | undefined,
      createdAt: new Date(),
      finalized: false,
      uploadSig: randomBytes(24).toString('base64url'),
      downloadSig: randomBytes(24).toString('base64url'),
      staged: new Map(),
    };
    this.artifacts.push(artifact);
    return { ok: true, signed_upload_url: `${this.blobUrl(artifact)}?sv=2023-11-03&sp=cw&sr=b&sig=${artifact.uploadSig}` };
  }

  private finalize(ids: BackendIds, body: Record<string, unknown>, str: (key: string) => string): unknown {
    const name = str('name');
    const artifact = this.artifacts.find((a) => a.run === ids.run && a.job === ids.job && a.name === name && !a.finalized);
    if (!artifact) return refuse(404, 'not_found', `no artifact '${name}' being uploaded by this job`);
    if (!artifact.blob) refuse(400, 'failed_precondition', `artifact '${name}' has no committed blob`);
    const size = Number(str('size'));
    if (size !== artifact.blob!.length) refuse(400, 'invalid_argument', `size ${size} is not the blob's ${artifact.blob!.length}`);
    if (body.hash !== undefined) {
      const hash = str('hash');
      const actual = `sha256:${createHash('sha256').update(artifact.blob!).digest('hex')}`;
      if (hash !== actual) refuse(400, 'invalid_argument', `hash ${hash} is not the blob's ${actual}`);
      artifact.hash = hash;
    }
    if (artifact.mimeType === 'application/zip') {
      try {
        artifact.files = readZip(artifact.blob!);
      } catch (error) {
        refuse(400, 'invalid_argument', `the blob is not a valid zip: ${(error as Error).message}`);
      }
    }
    artifact.size = size;
    artifact.finalized = true;
    return { ok: true, artifact_id: String(artifact.id) };
  }

  /** Like the real service: every finalized artifact of the run (all its jobs), optionally by name or id. */
  private list(ids: BackendIds, body: Record<string, unknown>): unknown {
    if (body.name_filter !== undefined && typeof body.name_filter !== 'string') refuse(400, 'malformed', 'name_filter is not a string');
    if (body.id_filter !== undefined && !(typeof body.id_filter === 'string' && /^\d+$/.test(body.id_filter))) refuse(400, 'malformed', 'id_filter is not an int64');
    const artifacts = this.finalized().filter(
      (a) => a.run === ids.run && (body.name_filter === undefined || a.name === body.name_filter) && (body.id_filter === undefined || String(a.id) === body.id_filter),
    );
    return {
      artifacts: artifacts.map((a) => ({
        workflow_run_backend_id: a.run,
        workflow_job_run_backend_id: a.job,
        database_id: String(a.id),
        name: a.name,
        size: String(a.size),
        created_at: a.createdAt.toISOString(),
        ...(a.hash ? { digest: a.hash } : {}),
      })),
    };
  }

  /** The download URL of a run's artifact; the request names the job that uploaded it (from ListArtifacts). */
  private signedUrl(ids: BackendIds, job: string, name: string): unknown {
    const artifact = this.finalized().find((a) => a.run === ids.run && a.job === job && a.name === name);
    if (!artifact) return refuse(404, 'not_found', `no artifact '${name}' from job ${job} in this run`);
    return { signed_url: `${this.blobUrl(artifact)}?sv=2023-11-03&sp=r&sr=b&sig=${artifact.downloadSig}` };
  }

  // Azure Blob Storage: the signed URLs.

  private blobUrl(a: StoredArtifact): string {
    return `${this.url}/${ACCOUNT}/actions-results/${a.run}/${a.id}.zip`;
  }

  private blob(req: IncomingMessage, request: ReceivedRequest, body: Buffer, res: ServerResponse): void {
    const artifact = this.artifacts.find((a) => new URL(this.blobUrl(a)).pathname === request.path) ?? refuse(404, 'BlobNotFound', 'no such blob');
    const sig = request.query.sig;
    if (request.method === 'GET') {
      if (sig !== artifact.downloadSig || !artifact.finalized) refuse(403, 'AuthenticationFailed', 'not a download signature of this blob');
      if (request.query.sp !== 'r') refuse(403, 'AuthorizationPermissionMismatch', 'the signature does not allow reading');
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': artifact.blob!.length, 'x-ms-blob-type': 'BlockBlob' });
      res.end(artifact.blob);
      return;
    }
    if (request.method !== 'PUT') refuse(405, 'UnsupportedHttpVerb', `${request.method} is not supported`);
    if (sig !== artifact.uploadSig || artifact.finalized) refuse(403, 'AuthenticationFailed', 'not an upload signature of this blob (or it is finalized)');
    if (!req.headers['x-ms-version']) refuse(400, 'MissingRequiredHeader', 'x-ms-version is required');
    const headers = { 'x-ms-request-id': randomBytes(8).toString('hex'), 'x-ms-version': String(req.headers['x-ms-version']), 'x-ms-request-server-encrypted': 'true', date: new Date().toUTCString() };
    if (request.query.comp === 'block') {
      const blockId = request.query.blockid ?? refuse(400, 'MissingRequiredQueryParameter', 'blockid is required');
      if (Number(req.headers['content-length']) !== body.length) refuse(400, 'InvalidHeaderValue', 'content-length is not the body length');
      artifact.staged.set(blockId, body);
      res.writeHead(201, headers);
      res.end();
      return;
    }
    if (request.query.comp === 'blocklist') {
      const xml = body.toString('utf8');
      if (!/^<\?xml[^>]*\?><BlockList>(<(Latest|Committed|Uncommitted)>[^<]*<\/\2>)*<\/BlockList>$/.test(xml)) refuse(400, 'InvalidXmlDocument', 'not a block list');
      const ids = [...xml.matchAll(/<Latest>([^<]*)<\/Latest>/g)].map((m) => m[1]);
      const blocks = ids.map((id) => artifact.staged.get(id) ?? refuse(400, 'InvalidBlockList', `block ${id} was not staged`));
      artifact.blob = Buffer.concat(blocks);
      artifact.staged.clear();
      res.writeHead(201, { ...headers, etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`, 'last-modified': new Date().toUTCString() });
      res.end();
      return;
    }
    refuse(400, 'UnsupportedQueryParameter', `comp=${request.query.comp ?? ''} (only block uploads are expected)`);
  }
}

/** The entries of a zip (stored or deflated), checked against their CRC-32; throws on anything else. */
export function readZip(zip: Buffer): Record<string, string> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`${name}: compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`${name}: size or CRC-32 mismatch`);
    if (!name.endsWith('/')) files[name] = data.toString('utf8');
    at += 46 + nameLength + extra + comment;
  }
  return files;
}
