import { markdownTable } from '../action/summary.js';
import type { BuilderName, BuildSpec } from './build-spec.js';
import { formatBytes } from './describe.js';
import { repositoryName } from './reference.js';
import type { ScanOutcome } from './scan.js';
import type { PushedImage } from './verify.js';

/** The job summary of a build: tags, digest, and per platform the size and layers. */
export function buildSummary(spec: BuildSpec, builder: BuilderName, pushed: PushedImage | undefined, scan: ScanOutcome | undefined): string {
  const name = repositoryName(spec.image);
  const lines = [`### Image \`${name}\``, ''];
  lines.push(
    markdownTable(
      ['', ''],
      [
        ['Digest', pushed ? `\`${pushed.digest}\`` : 'not pushed (`push: false`)'],
        ['Tags', spec.tags.map((t) => `\`${name}:${t}\``).join('<br>')],
        ['Builder', builder],
        ...(spec.platforms.length ? [['Platforms', spec.platforms.join(', ')]] : []),
      ],
    ),
  );
  if (pushed?.details) {
    const images = pushed.details.images;
    const total = images.reduce((s, i) => s + i.size, 0);
    lines.push(
      '',
      markdownTable(
        ['Platform', 'Size', 'Layers', 'Manifest'],
        images.map((i) => [i.platform ?? spec.platforms[0] ?? 'runner', formatBytes(i.size), i.layers, `\`${i.digest}\``]),
      ),
      '',
      `Total size ${formatBytes(total)} (compressed), media type \`${pushed.details.mediaType}\`.`,
    );
  }
  if (scan) lines.push('', scanLine(scan));
  return lines.join('\n');
}

function scanLine(scan: ScanOutcome): string {
  if (scan.status === 'skipped') return `**Vulnerability scan skipped:** ${scan.reason}.`;
  if (scan.status === 'passed') return `Vulnerability scan (trivy): no finding at or above ${scan.threshold}.`;
  const rows = scan.findings.slice(0, 50).map((f) => [f.severity, f.id, f.pkg, f.target]);
  return [`**Vulnerability scan (trivy) failed:** ${scan.findings.length} finding(s) at or above ${scan.threshold}.`, '', markdownTable(['Severity', 'ID', 'Package', 'Target'], rows)].join('\n');
}
