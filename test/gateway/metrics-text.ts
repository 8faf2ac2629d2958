/** Reads one metric from the gateway's Prometheus text, summed over series matching labels. */
export async function scrape(gatewayUrl: string): Promise<string> {
  return (await fetch(`${gatewayUrl}/metrics`)).text();
}

export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{ ]+(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const series = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    if (Object.entries(labels).every(([k, v]) => series[k] === v)) sum += Number(match[2]);
  }
  return sum;
}
