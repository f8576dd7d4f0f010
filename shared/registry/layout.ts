/**
 * Where everything lives under the registry prefix (see README.md in this folder):
 *
 *   models/<model>/versions/<version>/files/<path...>        the model's files, as published
 *   models/<model>/versions/<version>/manifest.json          written LAST: a version exists once this exists
 *   models/<model>/versions/<version>/validations/<suite>.json   a stored gate report, with the manifest digest
 *   models/<model>/environments/<env>.json                   promotion pointer: the version serving <env>
 *   models/<model>/environments/<env>/history/<time>-<version>.json   one entry per promotion, never overwritten
 *
 * Keys here are relative to the prefix; `RegistryStore` adds it.
 */
export const modelsRoot = 'models/';
export const modelRoot = (model: string) => `models/${model}/`;
export const versionsRoot = (model: string) => `models/${model}/versions/`;
export const versionRoot = (model: string, version: string) => `models/${model}/versions/${version}/`;
export const manifestKey = (model: string, version: string) => `${versionRoot(model, version)}manifest.json`;
export const fileKey = (model: string, version: string, path: string) => `${versionRoot(model, version)}files/${path}`;
export const validationKey = (model: string, version: string, suite: string) =>
  `${versionRoot(model, version)}validations/${suite}.json`;
export const environmentsRoot = (model: string) => `models/${model}/environments/`;
export const pointerKey = (model: string, env: string) => `${environmentsRoot(model)}${env}.json`;
export const historyRoot = (model: string, env: string) => `${environmentsRoot(model)}${env}/history/`;
/** `2026-11-04T12-00-00-123Z-1.4.0.json`: sorts by time as text. */
export const historyKey = (model: string, env: string, at: Date, version: string) =>
  `${historyRoot(model, env)}${at.toISOString().replace(/[:.]/g, '-')}-${version}.json`;
