#!/usr/bin/env bash
# Refreshes the workbook screenshots of the coordinator's guide (docs/coordinator.md) in
# docs/assets/coordinator/: the fill-in sheet for one town, rendered by LibreOffice (headless, each
# sheet on one PDF page), cut to what a reader needs, as WebP. Needs soffice (libreoffice-calc-nogui),
# pdftoppm (poppler-utils) and cwebp (webp). Run from the repository root after `make site`.
set -euo pipefail
cd "$(dirname "$0")/.."
town="${1:-小榄镇}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out=docs/assets/coordinator
mkdir -p "$out"
.venv/bin/servicepoints sheet --town "$town" --out "$work/sheet.xlsx" >/dev/null
soffice -env:UserInstallation="file://$work/profile" --headless \
  --convert-to 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}' --outdir "$work" \
  "$work/sheet.xlsx" >/dev/null 2>&1
# Page 1 is the 网点 sheet (its first columns), page 2 the 填写说明 sheet (its top: the rules and the
# first columns' meanings). Lossy WebP at 75 keeps Chinese text sharp at about a third of a PNG's size.
pdftoppm -png -r 110 -f 1 -l 1 -x 0 -y 0 -W 1200 -H 400 "$work/sheet.pdf" "$work/sheet"
pdftoppm -png -r 96 -f 2 -l 2 -x 0 -y 0 -W 1000 -H 420 "$work/sheet.pdf" "$work/guide"
cwebp -quiet -q 75 "$work"/sheet-*1.png -o "$out/sheet.webp"
cwebp -quiet -q 75 "$work"/guide-*2.png -o "$out/guide.webp"
ls -l "$out"
