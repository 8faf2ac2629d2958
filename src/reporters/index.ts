/** Reporters by name, as `--reporter NAME` and `output.reporters` in the config refer to them. */
import { createConsoleReporter } from './console.ts';
import { createHtmlReporter } from './html.ts';
import { createJsonReporter } from './json.ts';
import { createJunitReporter } from './junit.ts';
import { createMarkdownReporter } from './markdown.ts';
import { createPrometheusReporter } from './prometheus.ts';
import type { Reporter } from './types.ts';

export const REPORTER_NAMES = ['console', 'json', 'markdown', 'junit', 'html', 'prometheus'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export interface ReporterOptions {
  pushGateway?: string;
}

export function createReporter(name: ReporterName, options: ReporterOptions = {}): Reporter {
  switch (name) {
    case 'console':
      return createConsoleReporter();
    case 'json':
      return createJsonReporter();
    case 'markdown':
      return createMarkdownReporter();
    case 'junit':
      return createJunitReporter();
    case 'html':
      return createHtmlReporter();
    case 'prometheus':
      return createPrometheusReporter(
        options.pushGateway === undefined ? {} : { pushGateway: options.pushGateway },
      );
  }
}

export { ReporterFanout } from './fanout.ts';
export type { ProgressSnapshot, Reporter, RunInfo } from './types.ts';
