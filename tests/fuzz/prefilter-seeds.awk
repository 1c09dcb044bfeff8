# prefilter-seeds.awk -v dir=DIR FILE.rules... - seeds for fuzz_prefilter:
# one file per (match pattern, example) pair of every rule, with the
# vocabularies ({NAME}) expanded as rules.c does: "PATTERN\nEXAMPLE".
function expand(s,    out, i, j, name) {
	out = ""
	while ((i = index(s, "{")) > 0) {
		out = out substr(s, 1, i - 1)
		s = substr(s, i + 1)
		j = index(s, "}")
		name = substr(s, 1, j - 1)
		if (j > 0 && (name in def)) {
			out = out "(?:" def[name] ")"
			s = substr(s, j + 1)
		} else
			out = out "{"
	}
	return out s
}
function flush() {
	if (last == "define")
		def[dname] = expand(pat)
	else if (last == "match")
		m[nm++] = expand(pat)
	last = ""
}
FNR == 1 { flush(); nm = 0 }
{ line = $0; sub(/^[ \t]+/, "", line) }
line ~ /^\|/ { pat = pat "|" substr(line, 2); sub(/\|[ \t]+/, "|", pat); next }
{ flush() }
line ~ /^define[ \t]/ { dname = $2; pat = line; sub(/^define[ \t]+[^ \t]+[ \t]+/, "", pat); last = "define" }
line ~ /^rule[ \t]/ { nm = 0 }
line ~ /^match[ \t]/ { pat = line; sub(/^match[ \t]+/, "", pat); last = "match" }
line ~ /^example[ \t]/ {
	ex = line
	sub(/^example[ \t]+/, "", ex)
	for (i = 0; i < nm; i++) {
		f = sprintf("%s/seed-%05d", dir, ++k)
		printf "%s\n%s", m[i], ex > f
		close(f)
	}
}
