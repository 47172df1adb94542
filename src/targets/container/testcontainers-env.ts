/**
 * Testcontainers settings, applied before it is first used (a value the user set wins):
 * - Ryuk, its reaper container, cannot be pulled here and is not needed: our detached reaper
 *   removes containers by run label (see ../reaper.ts).
 * - Servers use host networking, so Testcontainers' idea of the container host is never used;
 *   left alone it looks up the `bridge` network's gateway when it runs inside a container, which
 *   fails on daemons started with --bridge=none.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
