import { invalidInput } from '../errors.js';

// The platforms Go (and so BuildKit and buildah) know; a typo like `linux/amd46` fails here, not mid-build.
const OS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'plan9', 'wasip1']);
const ARCH = new Set(['amd64', '386', 'arm', 'arm64', 'ppc64', 'ppc64le', 's390x', 'riscv64', 'mips', 'mipsle', 'mips64', 'mips64le', 'loong64', 'wasm']);
const VARIANT = /^v[0-9]+$/;

/** `os/arch[/variant]`, e.g. `linux/amd64`, `linux/arm/v7`. */
export function parsePlatform(value: string, input = 'platforms'): string {
  const [os, arch, variant, ...extra] = value.trim().split('/');
  const ok = OS.has(os) && ARCH.has(arch ?? '') && (variant === undefined || VARIANT.test(variant)) && extra.length === 0;
  if (!ok) throw invalidInput(input, value, 'platforms written `os/arch[/variant]`, such as `linux/amd64` or `linux/arm/v7`');
  return value.trim();
}
