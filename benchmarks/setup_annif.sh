#!/usr/bin/env bash
# Install Annif (https://annif.org) into a venv of its own, for benchmarks/peers.py.
# Annif is a peer we measure against, never a dependency of tagger: it lives in
# .venv-annif (git-ignored) and is only ever run as a CLI by subprocess.
#
# Usage: bash benchmarks/setup_annif.sh        (idempotent; ANNIF_VENV overrides the path)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${ANNIF_VENV:-$root/.venv-annif}"
version="${ANNIF_VERSION:-1.4.3}"
py="$venv/bin/python"

has() {  # whether the venv has these modules, without importing them (TensorFlow takes seconds)
    "$py" -c 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in sys.argv[1:]))' "$@" 2>/dev/null
}
if ! { [ -x "$venv/bin/annif" ] && has omikuji sklearn; }; then
    python3 -m venv "$venv"
    "$py" -m pip install --quiet --upgrade pip
    # The omikuji extra brings Parabel/Bonsai; SVC, TF-IDF, MLLM, ensemble and PAV
    # come with the base install.
    "$py" -m pip install --quiet "annif[omikuji]==$version"
fi
# fastText and the NN ensemble (TensorFlow, about 600 MB) are optional: peers.py
# skips a backend whose library is missing and says so.
has fasttext || "$py" -m pip install --quiet "annif[fasttext]==$version" \
    || echo "setup_annif: the fastText backend did not install; peers will skip it" >&2
has tensorflow lmdb || "$py" -m pip install --quiet "annif[nn]==$version" \
    || echo "setup_annif: the NN ensemble did not install; peers will skip it" >&2

printf '*\n' > "$venv/.gitignore"   # the venv ignores itself, whatever the repo's .gitignore says

# Every Annif analyzer tokenizes with NLTK's word_tokenize, which needs the
# "punkt_tab" sentence-splitter data; Annif would fetch it from GitHub, which this
# machine cannot reach. Punkt's data is four small text files: write an English one
# with the usual abbreviations (no learned collocations), inside the venv, where
# NLTK looks (sys.prefix/nltk_data).
punkt="$venv/nltk_data/tokenizers/punkt_tab/english"
if [ ! -f "$punkt/abbrev_types.txt" ]; then
    mkdir -p "$punkt"
    : > "$punkt/collocations.tab"
    : > "$punkt/sent_starters.txt"
    : > "$punkt/ortho_context.tab"
    printf '%s\n' e.g i.e al etc vs cf fig figs eq eqs sec approx resp no dr mr ms prof \
        inc ltd jr sr st jan feb mar apr jun jul aug sep sept oct nov dec > "$punkt/abbrev_types.txt"
fi
"$py" - <<'PY'
import nltk
print(nltk.word_tokenize("We propose e.g. a new model (Smith et al. 2024). It works."))
PY
"$venv/bin/annif" --version
