/** `jobs diff`: the patch, or with --stat git's summary of it. */
export const jobsDiffView = (d: { patch?: string }, { statText }: { statText: string | null }): string => (statText ?? d.patch ?? '').replace(/\n$/, '');
