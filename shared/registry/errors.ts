/**
 * The artifact is not what its manifest says: a file differs, is missing, has another size, or the manifest
 * itself is unsafe. Names the file. Not a user mistake and not our failure: the gate must stop on it.
 */
export class IntegrityError extends Error {
  override name = 'IntegrityError';
  constructor(
    message: string,
    /** The manifest path of the file concerned, when one is. */
    readonly file?: string,
  ) {
    super(message);
  }
}
