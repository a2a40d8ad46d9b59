/**
 * Exit codes: 0 success (also "read fine, nothing valid"), 1 runtime failure, 2 usage error,
 * 3 unreadable input, 69 feature not available in this build.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreadable: 3, unavailable: 69 } as const;
