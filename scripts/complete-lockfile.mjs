#!/usr/bin/env node
// Adds lock entries for platform-specific optional packages the resolver could not see.
//
// Why: this project's registry mirror holds only the platform builds that were ever downloaded
// through it (linux-x64 here), so `npm install` writes a lockfile without the darwin/win32/… builds
// of sharp, rollup, esbuild, msgpackr-extract and friends, and `npm ci` then refuses the lockfile
// as out of sync. A lockfile made against the full registry records every platform build with its
// os/cpu; this script writes those entries (version, os, cpu, libc from the package name), so
// `npm ci` accepts the lockfile here and elsewhere and skips the builds of other platforms.
//
// Usage: node scripts/complete-lockfile.mjs [package-lock.json]   (after any `npm install`)
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'netbsd', 'sunos', 'aix', 'win32', 'openharmony', 'wasi'];
const OS_ALIASES = { win: 'win32', windows: 'win32', macos: 'darwin', mac: 'darwin', osx: 'darwin' };
const CPU = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 'ppc64le', 'riscv64', 's390x', 'loong64', 'mips64el', 'wasm32', 'armv6', 'armv7'];
const CPU_ALIASES = { ppc64le: 'ppc64', armv6: 'arm', armv7: 'arm', gnueabihf: 'arm', musleabihf: 'arm', loongarch64: 'loong64', x86_64: 'x64', aarch64: 'arm64', amd64: 'x64' };

/** os/cpu/libc of a platform build, read from its name (e.g. @rollup/rollup-linux-arm-musleabihf). */
function platformOf(name) {
  const parts = name.split('/').pop().toLowerCase().split(/[-_]/);
  let os;
  let cpu;
  let libc;
  for (const p of parts) {
    if (!os && (OS.includes(p) || OS_ALIASES[p])) os = OS_ALIASES[p] ?? p;
    else if (!cpu && (CPU.includes(p) || CPU_ALIASES[p])) cpu = CPU_ALIASES[p] ?? p;
    if (p === 'musl' || p.startsWith('musl')) libc = 'musl';
    if (p === 'gnu' || p === 'glibc' || p === 'gnueabihf') libc = 'glibc';
  }
  if (!os || !cpu) {
    if (parts.includes('wasm32') || parts.includes('wasm')) return { cpu: ['wasm32'] };
    return undefined;
  }
  return { os: [os], cpu: [cpu], ...(libc && os === 'linux' ? { libc: [libc] } : {}) };
}

/** Where npm would look for `name` from the package at `from` (nested first, then up to the root). */
function resolves(from, name) {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i < 0 ? '' : dir.slice(0, i);
  }
}

let added = 0;
for (const [path, pkg] of Object.entries({ ...packages })) {
  for (const [name, spec] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (resolves(path, name)) continue;
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue; // only exact pins are platform builds
    const platform = platformOf(name);
    if (!platform) continue;
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    packages[key] = { version: spec, ...platform, ...(pkg.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stderr.write(`complete-lockfile: added ${added} platform entr${added === 1 ? 'y' : 'ies'}\n`);
