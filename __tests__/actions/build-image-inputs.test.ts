import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { registries, uniqueRepository } from '../image/support.js';
import { ranABuilder, runBuildImage, workspace } from '../image/run-build-image.js';

const { open } = registries();

describe('build-image refuses bad inputs with one clear error, before building or pushing', () => {
  const ws = workspace({ Dockerfile: 'FROM scratch AS weights\nCOPY model.txt /m\nFROM scratch AS server\nCOPY model.txt /m\n', 'model.txt': 'm', 'sub/notes.txt': 'no Dockerfile here' });
  const image = `${open.host}/${uniqueRepository('bad-input')}`;
  const cases: [string, Record<string, string>, string][] = [
    ['a context without a Dockerfile', { context: 'sub', image }, `No Dockerfile at ${join(ws, 'sub', 'Dockerfile')}: set \`file\` to the Dockerfile, or \`context\` to the folder holding one.`],
    ['a `file` that does not exist', { file: 'docker/Serve.Dockerfile', image }, `Invalid \`file\`: 'docker/Serve.Dockerfile' does not exist (looked for ${join(ws, 'docker/Serve.Dockerfile')}). Expected a file that exists.`],
    ['a `context` that does not exist', { context: 'nowhere', image }, `Invalid \`context\`: 'nowhere' does not exist (looked for ${join(ws, 'nowhere')}). Expected a folder that exists.`],
    ['a bad platform string', { image, platforms: 'linux/amd64, linux-arm64' }, "Invalid `platforms`: 'linux-arm64'. Expected platforms written `os/arch[/variant]`, such as `linux/amd64` or `linux/arm/v7`."],
    ['a misspelled architecture', { image, platforms: 'linux/amd46' }, "Invalid `platforms`: 'linux/amd46'. Expected platforms written `os/arch[/variant]`, such as `linux/amd64` or `linux/arm/v7`."],
    ['a tag with invalid characters', { image, tags: 'stable, release/2026' }, "Invalid `tags`: 'release/2026'. Expected a tag of letters, digits, '_', '.' and '-' (not starting with '.' or '-'), at most 128 characters."],
    ['a build-arg without =', { image, 'build-args': 'MODEL_VERSION=v7\nDEBUG' }, "Invalid `build-args`: 'DEBUG'. Expected one `KEY=value` pair per line."],
    ['a label without =', { image, labels: 'team' }, "Invalid `labels`: 'team'. Expected one `KEY=value` pair per line."],
    ['an image with a tag', { image: `${image}:v1` }, `Invalid \`image\`: '${image}:v1'. Expected a repository such as \`ghcr.io/org/app\`: an optional registry host, then lower-case path parts separated by '/', without a tag or digest (tags go in \`tags\`).`],
    ['an image with upper-case letters', { image: 'ghcr.io/Acme/App' }, "Invalid `image`: 'ghcr.io/Acme/App'. Expected a repository such as `ghcr.io/org/app`: an optional registry host, then lower-case path parts separated by '/' ('Acme/App' is not a repository path (lower-case letters, digits, '.', '_', '-' separated by '/'))."],
    ['no image', {}, 'Input `image` is required and was not given.'],
    ['a target that is not a stage', { image, target: 'serve' }, `Invalid \`target\`: 'serve'. Expected a build stage of ${join(ws, 'Dockerfile')}: \`weights\`, \`server\`.`],
    ['an unknown cache', { image, cache: 's3' }, "Invalid `cache`: 's3'. Expected one of `gha`, `registry`, `none`."],
    ['an unknown builder', { image, builder: 'kaniko' }, "Invalid `builder`: 'kaniko'. Expected one of `auto`, `buildx`, `buildah`."],
    ['an unknown scan severity', { image, scan: 'severe' }, "Invalid `scan`: 'severe'. Expected `none` or a severity to fail at: `low`, `medium`, `high`, `critical`."],
    ['a push that is not a boolean', { image, push: 'yes please' }, "Invalid `push`: 'yes please'. Expected `true` or `false`."],
    ['a user name without a password', { image, 'registry-username': 'bot' }, '`registry-username` and `registry-password` (or REGISTRY_USERNAME and REGISTRY_PASSWORD) go together: one was given without the other.'],
  ];

  it.each(cases)('%s', async (_name, inputs, message) => {
    const result = await runBuildImage({ builder: 'buildah', ...inputs }, { workspace: ws });
    expect(result.failed).toBe(true);
    expect(result.errors).toEqual([message]);
    expect(ranABuilder(result)).toBe(false);
  });

  it('no tag at all: outside a workflow run and no `tags`', async () => {
    const result = await runBuildImage({ image, builder: 'buildah' }, { workspace: ws, env: { GITHUB_SHA: '', GITHUB_REF: '' } });
    expect(result.errors).toEqual(['No tag to give the image: `tags` is empty and no GITHUB_SHA or GITHUB_REF was found to derive one. Set `tags`.']);
  });
});
