#!/usr/bin/env bash
# The project's front door: `./run.sh demo` (set up, then run the demo) and
# `./run.sh test` (set up, then run the whole test suite). Any other argument
# is passed to pnpm (`./run.sh bench`, `./run.sh codegen:check`, …).
#
# Set-up = pnpm through corepack (the version pinned in package.json's
# packageManager) and `pnpm install --frozen-lockfile`, which also builds the
# native addon of @rump/rumpuser (it falls back to pure JavaScript if that fails).
set -euo pipefail
cd "$(dirname "$0")"

pnpm_cmd() {
  # corepack verifies the registry's signatures; on machines whose corepack
  # cannot ("No compatible signature found") retry with the check disabled.
  if corepack pnpm --version >/dev/null 2>&1; then
    corepack pnpm "$@"
  else
    COREPACK_INTEGRITY_KEYS=0 corepack pnpm "$@"
  fi
}

if ! command -v corepack >/dev/null 2>&1; then
  echo "run.sh: corepack not found; install Node.js >= 20 (it ships corepack)" >&2
  exit 2
fi
# turbo runs the package manager by name, so `pnpm` must be on PATH even where
# corepack has not been enabled: put a small shim in front when it is missing.
if ! command -v pnpm >/dev/null 2>&1; then
  shim_dir="$PWD/.tmp/run-sh-bin"
  mkdir -p "$shim_dir"
  if corepack pnpm --version >/dev/null 2>&1; then keys=""; else keys="COREPACK_INTEGRITY_KEYS=0 "; fi
  printf '#!/bin/sh\nexec env %scorepack pnpm "$@"\n' "$keys" >"$shim_dir/pnpm"
  chmod +x "$shim_dir/pnpm"
  export PATH="$shim_dir:$PATH"
fi
if [ "${RUN_SH_SKIP_INSTALL:-0}" != 1 ]; then
  pnpm_cmd install --frozen-lockfile --reporter=append-only --config.confirmModulesPurge=false
fi
case "${1:-}" in
  "") echo "usage: ./run.sh demo | test | <pnpm script>" >&2; exit 2 ;;
  *) pnpm_cmd "$@" ;;
esac
