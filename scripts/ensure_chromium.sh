#!/usr/bin/env bash
# Install Debian's headless Chromium and a CJK font where missing, for the map tests and the print
# exports (`corridor export`: Chinese titles, legends and sources must never render as boxes).
# Needs root (CI and the project's machines run as root); elsewhere it says what to do.
set -u
have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
have_cjk_font() { fc-list :lang=zh family 2>/dev/null | grep -q .; }
if have_chromium && have_cjk_font; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  have_chromium || echo "ensure_chromium: chromium not found; browser tests will be skipped and exports fail. Install it with: sudo apt-get install chromium" >&2
  have_cjk_font || echo "ensure_chromium: no Chinese (CJK) font; exports would show boxes. Install one with: sudo apt-get install fonts-wqy-microhei (or fonts-noto-cjk)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
if ! have_chromium; then
  echo "ensure_chromium: installing Debian's chromium ..." >&2
  apt-get install -y -qq chromium >/dev/null 2>&1 || echo "ensure_chromium: apt-get install chromium failed; browser tests will be skipped." >&2
fi
if ! have_cjk_font; then
  # fonts-wqy-microhei is small; fonts-noto-cjk is the fallback where it is not packaged.
  echo "ensure_chromium: installing a CJK font (fonts-wqy-microhei) ..." >&2
  apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 \
    || echo "ensure_chromium: no CJK font could be installed; Chinese text in exports will render as boxes." >&2
  fc-cache -f >/dev/null 2>&1 || true
fi
have_chromium && echo "ensure_chromium: $(chromium --version 2>/dev/null)" >&2
exit 0
