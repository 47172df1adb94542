/**
 * Renders the sample results to a folder for eyeballing the report and its charts:
 * `node src/report/render-sample.ts [outDir]` (default /tmp/servebench-report); the saturation chart
 * is also copied to /tmp/servebench-chart.svg. Convert with `rsvg-convert -o x.png x.svg` to view.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import { resultsFileSchema } from './schema.ts';

const outDir = process.argv[2] ?? '/tmp/servebench-report';
const { markdown, charts } = renderMarkdown(resultsFileSchema.parse(sampleResults()));
for (const chart of charts) {
  const path = join(outDir, chart.file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, chart.svg);
}
writeFileSync(join(outDir, 'summary.md'), markdown);
const saturation = charts.find((c) => c.file.includes('throughput-ttft'));
if (saturation) writeFileSync('/tmp/servebench-chart.svg', saturation.svg);
process.stdout.write(`wrote ${join(outDir, 'summary.md')} and ${charts.length} charts\n`);
