#!/usr/bin/env bash
# Install Debian's headless Chromium (and a CJK font) for the map tests and PNG exports when missing.
# Needs root (CI and the project's machines run as root); elsewhere it says what to do.
set -u
have_fonts() { fc-list 2>/dev/null | grep -qiE "wqy|noto sans cjk"; }
if { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } && have_fonts; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: chromium not found and cannot apt-get it here; browser tests will be skipped." >&2
  echo "ensure_chromium: install it with: sudo apt-get install chromium" >&2
  exit 0
fi
echo "ensure_chromium: installing Debian's chromium for the browser tests ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
# fonts-wqy-microhei: Chinese text in PNG exports and screenshots (boxes without it).
apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null 2>&1 || {
  echo "ensure_chromium: apt-get install chromium failed; browser tests will be skipped." >&2
  exit 0
}
echo "ensure_chromium: $(chromium --version 2>/dev/null)" >&2
