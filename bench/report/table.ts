export function formatTables(d: unknown): string { return JSON.stringify(d).slice(0, 3000); }
