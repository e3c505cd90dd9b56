#!/bin/sh
# citations.sh [ROOT] — the citation check of `make lint` (tests/README.md, "Static analysis").
#
# Fails (exit 1), listing each offender as "file:line: what", on
#   - a citation `(dir/README.md, "X")` or `README.md, "X"` (also of the reference files
#     engine/types.md and engine/grammar.md; a bare README.md is the one in the
#     citing file's folder, else the top-level one) where the named README has no heading
#     (`#`, `##`, `###`, ...) whose text is X or begins with X followed by a non-alphanumeric
#     character ("Latches" names "## Latches and lock ordering"); the quoted name may run
#     over a line break and comment markers;
#   - a rule citation `dir/README.md L7` (also `(dir/README.md I4)`, `dir/README.md, rule L7`)
#     where the README has no rule `**L7 —`;
#   - a reference to a bug list kept outside the repository (`bugs-<name> <id>`, or the
#     list's file name): name the test that guards the fix instead.
# Reads every text file under ROOT (default: the directory above tests/), skipping build/
# and .git/.
root=${1:-$(dirname "$0")/../..}
exec python3 - "$root" <<'PY'
import os, re, sys

root = os.path.normpath(sys.argv[1])
SKIP_DIRS = {".git", "build"}
SELF = os.path.join("tests", "lint", "citations.sh")

heads_cache = {}
def headings(readme):
    """(headings, rules) of a README under root, or None when it does not exist."""
    if readme not in heads_cache:
        path = os.path.join(root, readme)
        if not os.path.isfile(path):
            heads_cache[readme] = None
        else:
            text = open(path, encoding="utf-8", errors="replace").read()
            heads = [m.group(1).strip() for m in re.finditer(r"^#+[ \t]+(.*)$", text, re.M)]
            rules = set(re.findall(r"\*\*([A-Z][0-9]+) \u2014", text))
            heads_cache[readme] = (heads, rules)
    return heads_cache[readme]

def names_heading(name, heads):
    for h in heads:
        if h == name:
            return True
        if h.startswith(name) and not h[len(name)].isalnum():
            return True
    return False

def resolve(cited, rel):
    """The README a citation in file rel means, relative to root."""
    cited = os.path.normpath(cited)
    if os.path.dirname(cited):
        return cited
    own = os.path.join(os.path.dirname(rel), cited)
    return own if os.path.isfile(os.path.join(root, own)) else cited

# The README path, a comma, then the quoted name, which may be broken over lines carrying
# comment markers (" * ", "# ", "// ", "-- ").
CONT = r"(?:\s|\n[ \t]*(?:\*|#|//|--)?)"
CITE = re.compile(r"((?:[\w.+-]+/)*(?:README|types|grammar)\.md),%s+\"([^\"]{1,200})\"" % CONT)
RULE = re.compile(r"((?:[\w.+-]+/)*README\.md),?[ \t]+(?:rules?[ \t]+)?([A-Z][0-9]+)\b")
BUG = re.compile(r"\bbugs" r"-[a-z]+(?:\.md\b|[ \t]+[A-Z]?[0-9]+\b)")

bad = []
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
    for fn in sorted(filenames):
        path = os.path.join(dirpath, fn)
        rel = os.path.relpath(path, root)
        if rel == SELF:
            continue
        try:
            raw = open(path, "rb").read()
        except OSError:
            continue
        if b"\0" in raw:
            continue
        text = raw.decode("utf-8", errors="replace")
        if "README.md" not in text and "bugs" not in text:
            continue
        line_of = lambda pos: text.count("\n", 0, pos) + 1
        for m in CITE.finditer(text):
            name = re.sub(r"\s*\n[ \t]*(?:\*|#|//|--)?[ \t]*", " ", m.group(2)).strip()
            name = re.sub(r"\s+", " ", name)
            readme = resolve(m.group(1), rel)
            h = headings(readme)
            if h is None:
                bad.append("%s:%d: cites %s, which does not exist" % (rel, line_of(m.start()), readme))
            elif not names_heading(name, h[0]):
                bad.append('%s:%d: %s has no heading "%s"' % (rel, line_of(m.start()), readme, name))
        for m in RULE.finditer(text):
            readme = resolve(m.group(1), rel)
            h = headings(readme)
            if h is None:
                bad.append("%s:%d: cites %s, which does not exist" % (rel, line_of(m.start()), readme))
            elif m.group(2) not in h[1]:
                bad.append("%s:%d: %s has no rule %s" % (rel, line_of(m.start()), readme, m.group(2)))
        for m in BUG.finditer(text):
            bad.append('%s:%d: bug-list reference "%s": name the test that guards the fix'
                       % (rel, line_of(m.start()), m.group(0)))

for b in bad:
    print("lint: " + b)
if bad:
    print("lint: %d bad citation(s); a citation names a heading or rule of the README it cites"
          % len(bad))
    sys.exit(1)
print("== lint: citations: every README citation names a heading or rule, no bug-list references")
PY
