export function renderChart(_r: unknown, path: string): string { return path; }
