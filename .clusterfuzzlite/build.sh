#!/bin/bash -eu
# Builds wirerig's fuzz targets the OSS-Fuzz way: compiler, flags and engine
# come from the builder's environment -- CC, CFLAGS (the sanitizer and the
# coverage instrumentation are chosen there, never here), LIB_FUZZING_ENGINE
# -- and every target goes into $OUT with <target>_seed_corpus.zip, its
# .dict and its .options. SRC is where the sources are ($SRC/wirerig, or
# this checkout), WORK a scratch directory (default: $OUT/../work).
# scripts/fuzz-smoke.sh runs this very script with those variables set.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=${SRC:-$(dirname "$here")}/wirerig
[ -f "$src/CMakeLists.txt" ] || src=$here
: "${OUT:?OUT must name the output directory}"
: "${CC:?CC must name the compiler}"
: "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE must say how to link the fuzzing engine}"
work=${WORK:-$OUT/../work}/wirerig-build
mkdir -p "$OUT" "$work"
echo "build.sh: sanitizer ${SANITIZER:-(none given)}, CFLAGS: ${CFLAGS:-}"

cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="${CFLAGS:-}" \
  -DWIRERIG_FUZZ=ON -DWIRERIG_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DWIRERIG_TESTS=OFF -DWIRERIG_BENCH=OFF ${WIRERIG_CMAKE_ARGS:-}
cmake --build "$work" -j"$(nproc)" --target wirerig_fuzzers

n=0
while IFS=$'\t' read -r name bin dict corpus options; do
  [[ $name == *_bug ]] && continue # planted bugs are not shipped
  cp "$bin" "$OUT/$name"
  [ "$dict" != - ] && cp "$dict" "$OUT/$name.dict"
  [ "$options" != - ] && cp "$options" "$OUT/$name.options"
  rm -f "$OUT/${name}_seed_corpus.zip"
  if [ "$corpus" != - ] && [ -n "$(ls -A "$corpus")" ]; then
    (cd "$corpus" && zip -q -j "$OUT/${name}_seed_corpus.zip" ./*)
  fi
  n=$((n + 1))
done <"$work/wirerig-fuzz-targets.tsv"
echo "build.sh: $n targets in $OUT"
