import { IntegrityError } from './errors.js';

/**
 * Why a manifest path would escape its folder or be ambiguous, or undefined when it is safe.
 * Safe: relative, `/`-separated, no empty, `.` or `..` segments, no backslash, drive letter or control character.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path === '') return 'it is empty';
  if (path.length > 900) return 'it is longer than 900 characters';
  if (path.startsWith('/')) return 'it is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'it starts with a drive letter';
  if (path.includes('\\')) return 'it contains a backslash';
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'it contains a control character';
  const segments = path.split('/');
  if (segments.includes('..')) return 'it has a `..` segment';
  if (segments.includes('.')) return 'it has a `.` segment';
  if (segments.includes('')) return 'it has an empty segment';
  return undefined;
}

export function checkManifestPath(path: string): string {
  const reason = unsafePathReason(path);
  if (reason) throw new IntegrityError(`Manifest path ${JSON.stringify(path)} is refused: ${reason}.`, path);
  return path;
}

/** Refuses duplicate paths and a file that is also another file's folder (`a` and `a/b`). */
export function checkPathSet(paths: readonly string[]): void {
  const files = new Set<string>();
  for (const p of paths) {
    if (files.has(p)) throw new IntegrityError(`Manifest lists ${JSON.stringify(p)} twice.`, p);
    files.add(p);
  }
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (files.has(dir)) throw new IntegrityError(`Manifest lists ${JSON.stringify(dir)} as a file and as the folder of ${JSON.stringify(p)}.`, dir);
    }
  }
}
