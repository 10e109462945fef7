#!/usr/bin/env bash
# Creates (once) the Python virtualenv used by the interop suite, with the
# official Alipay/Antom Python SDK pinned to the version our fixtures were
# generated with. Idempotent and safe to run concurrently (flock).
#
# Usage: bash tests/interop/setup.sh
# The LAST line of stdout is the absolute path of the venv's python;
# everything else goes to stderr.
set -euo pipefail

SDK_VERSION="1.7.1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
marker="$venv/.alipay-ams-interop-ready"
want="global-open-sdk-python==$SDK_VERSION $(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
py="$venv/bin/python"

ready() { [ -x "$py" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ]; }

if ready; then
  echo "$py"
  exit 0
fi

exec 9>"$here/.setup.lock"
flock 9
# Another process may have finished the job while we waited for the lock.
if ready; then
  echo "$py"
  exit 0
fi

{
  echo "interop setup: creating $venv with global-open-sdk-python==$SDK_VERSION"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  "$py" -c "import importlib.metadata as m; v = m.version('global-open-sdk-python'); assert v == '$SDK_VERSION', v"
  echo "$want" >"$marker"
  echo "interop setup: ready"
} 1>&2

echo "$py"
