#!/usr/bin/env bash
# Step 1 of the keystorm action (action.yml): make `keystorm` runnable in the working directory
# and print the command to use as the step output `command`.
#
# - A project that pins keystorm itself (a devDependency, or this repository) uses its own copy,
#   after `npm ci` when it has a lockfile, so user configs import the same `keystorm/config`.
# - Otherwise KEYSTORM_PACKAGE (an npm spec such as `keystorm@0.2.0`) is installed, or, when it is
#   empty, the package built from the action's own checkout (the exact version of the action).
#   It is installed into the working directory with --no-save, so the config file there can
#   import `keystorm/config`.
# Inputs arrive as environment variables (never spliced into this script).
set -euo pipefail

: "${GITHUB_OUTPUT:?}" "${ACTION_PATH:?}"
KEYSTORM_PACKAGE="${KEYSTORM_PACKAGE:-}"
INSTALL_DEPENDENCIES="${INSTALL_DEPENDENCIES:-true}"
npm_flags=(--no-audit --no-fund)

if [[ "$INSTALL_DEPENDENCIES" == "true" && -f package-lock.json ]]; then
  echo "::group::npm ci (the project's own dependencies)"
  npm ci "${npm_flags[@]}"
  echo "::endgroup::"
fi

if [[ -z "$KEYSTORM_PACKAGE" ]] && npx --no-install keystorm --help >/dev/null 2>&1; then
  echo "keystorm: using the project's own copy"
  echo "command=npx --no-install keystorm" >>"$GITHUB_OUTPUT"
  exit 0
fi

spec="$KEYSTORM_PACKAGE"
if [[ -z "$spec" ]]; then
  echo "::group::build keystorm from the action's checkout"
  packs="${RUNNER_TEMP:-/tmp}/keystorm-pack"
  mkdir -p "$packs"
  (cd "$ACTION_PATH" && npm ci "${npm_flags[@]}" && npm pack --pack-destination "$packs" >/dev/null)
  spec="$(ls "$packs"/keystorm-*.tgz | head -n 1)"
  echo "::endgroup::"
fi
echo "::group::npm install $spec"
npm install --no-save "${npm_flags[@]}" "$spec"
echo "::endgroup::"
echo "command=$PWD/node_modules/.bin/keystorm" >>"$GITHUB_OUTPUT"
