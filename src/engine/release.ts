/**
 * What a started engine holds that must be let go for the process to end by itself (a GPU device). This module
 * imports no engine, so a command that never starts one pays nothing for releasing at its end.
 */
const releases: (() => void)[] = [];

export function releaseAtEnd(release: () => void): void {
  releases.push(release);
}

/** Runs every registered release once; the engines they belong to cannot be used afterwards. */
export function releaseEngines(): void {
  for (const release of releases.splice(0)) release();
}
