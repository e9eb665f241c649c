#!/usr/bin/env bash
# The layering rule (docs/architecture.md): a library includes headers and
# links libraries only of the layers its line in layers.txt names. Fails
# with each offending include (FILE:LINE) or link, so a lower layer that
# reaches up is caught at the commit that does it.
#   run.sh SOURCE_DIR LINKS_FILE
# LINKS_FILE is written by CMake: one line per library, its name and the
# wirerig libraries it links directly.
# The transport rule -- no code above harness/net asks which transport it
# has, only named files create one -- is transport.sh beside this file, a
# ctest of its own (layering_transport).
set -euo pipefail
src=$1 links=$2
table=$(dirname "$0")/layers.txt
[ -r "$links" ] || { echo "layering: cannot read $links" >&2; exit 2; }

declare -A folder allowed owner
order=()
while read -r name dir rest; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  deps=${rest%%:*} headers=${rest#*:}
  folder[$name]=$dir
  allowed[$name]=" $(echo $deps | sed 's/^-$//') "
  order+=("$name")
  for h in $headers; do
    [ "$h" = - ] || owner[$h]=$name
  done
done <"$table"

bad=0 checked=0
# Every public header belongs to exactly one library.
for h in "$src"/include/wirerig/*.h; do
  b=$(basename "$h")
  if [ -z "${owner[$b]:-}" ]; then
    echo "layering: include/wirerig/$b is owned by no library in layers.txt" >&2
    bad=1
  fi
done
for lib in "${order[@]}"; do
  dir=$src/${folder[$lib]}
  [ -d "$dir" ] || { echo "layering: $lib: no folder ${folder[$lib]}" >&2; bad=1; continue; }
  while IFS=: read -r file line inc; do
    checked=$((checked + 1))
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$inc")
    case $target in
    wirerig/*)
      h=${target#wirerig/}
      o=${owner[$h]:-}
      if [ -z "$o" ]; then
        echo "layering: ${file#"$src"/}:$line: $target belongs to no library" >&2
        bad=1
      elif [ "$o" != "$lib" ] && [[ ${allowed[$lib]} != *" $o "* ]]; then
        echo "layering: ${file#"$src"/}:$line: $lib includes $target of $o, a layer it may not use (allowed:${allowed[$lib]})" >&2
        bad=1
      fi
      ;;
    base/*)
      if [ "$lib" != base ] && [[ ${allowed[$lib]} != *" base "* ]]; then
        echo "layering: ${file#"$src"/}:$line: $lib may not include $target" >&2
        bad=1
      fi
      ;;
    */*)
      # A private header of another folder ("../sock/sock_int.h").
      echo "layering: ${file#"$src"/}:$line: $lib reaches into another folder with $target" >&2
      bad=1
      ;;
    esac
  done < <(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$dir"/*.c "$dir"/*.h 2>/dev/null || true)
done
# Public headers only include headers of their own library or of layers
# below it.
for h in "$src"/include/wirerig/*.h; do
  lib=${owner[$(basename "$h")]:-}
  [ -n "$lib" ] || continue
  # The umbrella includes every header by design (checked below); it is
  # for programs, and no library includes it.
  [ "$(basename "$h")" = wirerig.h ] && continue
  while IFS=: read -r line inc; do
    checked=$((checked + 1))
    t=$(sed -E 's/.*#include "wirerig\/([^"]+)".*/\1/' <<<"$inc")
    o=${owner[$t]:-}
    if [ "$o" != "$lib" ] && [[ ${allowed[$lib]} != *" $o "* ]]; then
      echo "layering: include/wirerig/$(basename "$h"):$line: $lib's header includes wirerig/$t of ${o:-no library}" >&2
      bad=1
    fi
  done < <(grep -n '#include "wirerig/' "$h" || true)
done
# The umbrella header includes every other public header.
umbrella=$src/include/wirerig/wirerig.h
if [ -r "$umbrella" ]; then
  for h in "$src"/include/wirerig/*.h; do
    b=$(basename "$h")
    [ "$b" = wirerig.h ] && continue
    checked=$((checked + 1))
    if ! grep -q "^#include \"wirerig/$b\"" "$umbrella"; then
      echo "layering: include/wirerig/wirerig.h does not include wirerig/$b (it includes every public header)" >&2
      bad=1
    fi
  done
else
  echo "layering: no include/wirerig/wirerig.h (the umbrella header)" >&2
  bad=1
fi
# What the targets really link.
while read -r lib deps; do
  [ -n "$lib" ] || continue
  if [ -z "${folder[$lib]:-}" ]; then
    echo "layering: the build has a library '$lib' that layers.txt does not place" >&2
    bad=1
    continue
  fi
  for d in $deps; do
    checked=$((checked + 1))
    if [[ ${allowed[$lib]} != *" $d "* ]]; then
      echo "layering: wirerig_$lib links wirerig_$d, a layer it may not use (allowed:${allowed[$lib]})" >&2
      bad=1
    fi
  done
done <"$links"
[ $bad -eq 0 ] || exit 1
echo "layering: ${#order[@]} libraries, $checked includes and links, all pointing down"
