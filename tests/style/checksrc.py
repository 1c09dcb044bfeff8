#!/usr/bin/env python3
#
# checksrc.py - check C sources and headers against docs/CODE_STYLE.md.
#
#   python3 tests/style/checksrc.py [FILE...]   check these files
#   python3 tests/style/checksrc.py             check the project's sources
#                                               (DEFAULT below), run from
#                                               the top of the tree
#   python3 tests/style/checksrc.py -l          list the checks
#
# Prints one line per violation, "FILE:LINE: message [check]", in file
# and line order, and exits 1 when there was any, 0 when there was none,
# 2 on a usage error or a file it cannot read.
#
# Each check_NAME() below is one check of CODE_STYLE.md, which gives its
# reason.  Most of them look at lines of "code": the line with every
# comment blanked to spaces and every string and character literal
# reduced to its quotes and x's (see scan()), so that what is written in
# a comment or a string never trips a check on code.  Python 3 standard
# library only.

import glob
import os
import re
import sys

DEFAULT = ["milter/*.c", "include/*.h", "tests/unit/*.c", "tests/bench/*.c",
           "tests/accuracy.c"]

MAX_COLUMNS = 100
TAB = 8

# Name and one-line summary of every check, in CODE_STYLE.md's order.
CHECKS = [
    ("crlf", "lines end in LF, never CR LF"),
    ("final-newline", "the last line ends with a newline and is not blank"),
    ("trailing-space", "no space or tab at the end of a line"),
    ("indent", "indent with tabs; then 4 spaces on a continuation line, "
     "1 before the '*' of a comment"),
    ("long-line", "at most %d columns (tabs to multiples of %d), but for "
     "a line that is one string literal" % (MAX_COLUMNS, TAB)),
    ("blank-lines", "never two blank lines in a row"),
    ("cpp-comment", "comments are /* */, never //"),
    ("file-comment", "a file starts with a /* block whose first line "
     "names the file"),
    ("include-guard", "a header is wrapped in #ifndef/#define CARE_NAME_H "
     "... #endif"),
    ("include-order", "<system> headers before \"project\" ones; each "
     "block of #include lines sorted"),
    ("func-def", "a function's return type on its own line, its name at "
     "column 0 on the next"),
    ("func-brace", "a function's opening brace alone on its own line"),
    ("static", "a function is static unless a project header declares it"),
    ("keyword-space", "a space between if/for/while/switch/return and '('"),
    ("space-before", "no space before ',' or ';'"),
    ("space-after", "a space or a line end after ',' and after ';' in "
     "for (...)"),
    ("paren-space", "no space after '(' or before ')'"),
    ("op-space", "spaces around =, op=, ==, !=, <=, >=, && and ||"),
    ("brace-space", "a space between ')' or 'else' and '{'"),
    ("else", "'} else' on one line"),
    ("case-indent", "case and default as far in as their switch"),
    ("label", "a goto label at column 0"),
    ("unsafe-func", "in milter/: no sprintf, strcpy (but of a literal), "
     "strcat, gets, strtok, system, popen ..."),
]
CHECK_ORDER = {name: i for i, (name, _) in enumerate(CHECKS)}

# unsafe-func: functions milter/ never calls.  strcpy() of a string
# literal is allowed: its length is known at compile time.
UNSAFE = ("sprintf", "vsprintf", "strcpy", "strcat", "strncpy", "strncat",
          "gets", "strtok", "system", "popen", "tmpnam", "mktemp")

# static: functions defined without static that need no project header:
# the entry points others call (main(), libFuzzer's), and C library
# functions a program replaces (care-milter.c's sigwait(), which
# libmilter's signal thread calls).
EXTERN_OK = ("main", "sigwait", "LLVMFuzzerTestOneInput",
             "LLVMFuzzerInitialize")


def scan(text):
    """Split text into lines; return (lines, code, comment, cpp):
    code[i] is lines[i] with comments blanked to spaces and literal
    contents replaced by 'x', comment[i] marks with 'c' the columns that
    were comment, cpp[i] tells whether a // comment starts on the line."""
    lines = text.split("\n")
    code, comment, cpp = [], [], []
    state = "code"  # or block, string, char
    for line in lines:
        out, mask = [], []
        has_cpp = False
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if state == "block":
                if line.startswith("*/", i):
                    out.append("  ")
                    mask.append("cc")
                    i += 2
                    state = "code"
                else:
                    out.append(" ")
                    mask.append("c")
                    i += 1
            elif state in ("string", "char"):
                quote = '"' if state == "string" else "'"
                if c == "\\":
                    k = min(2, n - i)
                    out.append("x" * k)
                    mask.append("." * k)
                    i += k
                    continue
                out.append(c if c == quote else "x")
                mask.append(".")
                i += 1
                if c == quote:
                    state = "code"
            elif line.startswith("/*", i):
                out.append("  ")
                mask.append("cc")
                i += 2
                state = "block"
            elif line.startswith("//", i):
                has_cpp = True
                out.append(" " * (n - i))
                mask.append("c" * (n - i))
                i = n
            else:
                if c == '"':
                    state = "string"
                elif c == "'":
                    state = "char"
                out.append(c)
                mask.append(".")
                i += 1
        # A literal ends with its line unless a backslash continues it.
        if state in ("string", "char") and not line.endswith("\\"):
            state = "code"
        code.append("".join(out))
        comment.append("".join(mask))
        cpp.append(has_cpp)
    return lines, code, comment, cpp


class Source:
    def __init__(self, path, data):
        self.path = path
        self.data = data
        text = data.decode("utf-8", errors="replace")
        self.lines, self.code, self.comment, self.cpp = scan(text)
        if self.lines and self.lines[-1] == "":
            # what follows the last newline is not a line
            for v in (self.lines, self.code, self.comment, self.cpp):
                v.pop()
        self.base = os.path.basename(path)
        self.header = path.endswith(".h")
        self.found = []
        self.depth = []  # brace depth at the start of each line
        d = 0
        for c in self.code:
            self.depth.append(d)
            d += c.count("{") - c.count("}")
        self.funcs = function_definitions(self)

    def report(self, lineno, check, msg):
        self.found.append((lineno, check, msg))

    def is_pp(self, i):
        """Is line index i a preprocessor line?"""
        return self.code[i].lstrip().startswith("#")

    def in_comment(self, i, start, end):
        """Does a column of line index i in [start, end) belong to a
        comment (blanked, so it looks like white space)?"""
        return "c" in self.comment[i][start:end]


def decl_start(src, at):
    """Index of the first line of the top-level declaration whose last
    line is index at - 1: back to a blank or comment-only line, a
    preprocessor line or the end of an earlier declaration."""
    k = at
    while k > 0:
        prev = src.code[k - 1].rstrip()
        if prev == "" or src.is_pp(k - 1) or prev.endswith((";", "}", "{")):
            break
        k -= 1
    return k


NAME_AT_0 = re.compile(r"([A-Za-z_]\w*)\s*\(")


def function_definitions(src):
    """The function definitions written with the brace alone at column
    0: a list of (first line index, name line index or None, brace line
    index)."""
    found = []
    for i, c in enumerate(src.code):
        if src.depth[i] != 0 or c.rstrip() != "{":
            continue
        start = decl_start(src, i)
        head = "".join(src.code[start:i])
        if "(" not in head or "=" in head:
            continue  # a struct, an initializer
        name = None
        for k in range(start, i):
            if NAME_AT_0.match(src.code[k]):
                name = k
                break
        found.append((start, name, i))
    return found


def columns(s):
    return len(s.expandtabs(TAB))


# ---- the checks ---------------------------------------------------------
# Each takes a Source and calls src.report() for every violation.

def check_crlf(src):
    for i, line in enumerate(src.lines, 1):
        if "\r" in line:
            src.report(i, "crlf", "carriage return (a CR LF line end?)")


def check_final_newline(src):
    if not src.data:
        return
    if not src.data.endswith(b"\n"):
        src.report(len(src.lines), "final-newline",
                   "no newline at the end of the file")
    elif src.lines and src.lines[-1].strip() == "":
        src.report(len(src.lines), "final-newline",
                   "blank line at the end of the file")


def check_trailing_space(src):
    for i, line in enumerate(src.lines, 1):
        line = line.rstrip("\r")
        if line != line.rstrip(" \t"):
            src.report(i, "trailing-space", "white space at the end of the "
                       "line")


INDENT_OK = re.compile(r"\t*(?:    )?(?:\S|$)|\t* \*")


def check_indent(src):
    for i, line in enumerate(src.lines, 1):
        if line.strip() == "":
            continue  # trailing-space's business
        if not INDENT_OK.match(line):
            src.report(i, "indent", "indent with tabs, then 4 spaces on a "
                       "continuation line or 1 before a comment's '*'")


# A line that holds nothing but one string literal (and what closes it)
# may be longer: a string is not split only to fit, so that it can be
# searched for.
STRING_ONLY = re.compile(r"\s*\"x*\"[\s,;)]*$")


def check_long_line(src):
    for i, line in enumerate(src.lines, 1):
        w = columns(line.rstrip("\r"))
        if w > MAX_COLUMNS and not STRING_ONLY.match(src.code[i - 1]):
            src.report(i, "long-line", "%d columns, more than %d"
                       % (w, MAX_COLUMNS))


def check_blank_lines(src):
    for i in range(1, len(src.lines)):
        if src.lines[i].strip() == "" and src.lines[i - 1].strip() == "":
            src.report(i + 1, "blank-lines", "two blank lines in a row")


def check_cpp_comment(src):
    for i, has in enumerate(src.cpp, 1):
        if has:
            src.report(i, "cpp-comment", "// comment; write /* */")


def check_file_comment(src):
    names = [re.escape(src.base)]
    if src.base.endswith(".c"):
        names.append(re.escape(src.base[:-2]))
    named = re.compile(r" \* (?:%s)(?: - |: )\S" % "|".join(names))
    if not src.lines or src.lines[0].rstrip("\r") != "/*":
        src.report(1, "file-comment", "the file must start with a line "
                   "\"/*\" that opens its comment block")
    elif len(src.lines) < 2 or not named.match(src.lines[1]):
        src.report(2, "file-comment", "the comment block must start "
                   "\" * %s - what it is\"" % src.base)


def guard_name(base):
    g = re.sub(r"[^A-Za-z0-9]", "_", base[:-2]).upper()
    if g != "CARE" and not g.startswith("CARE_"):
        g = "CARE_" + g
    return g + "_H"


def check_include_guard(src):
    if not src.header:
        return
    guard = guard_name(src.base)
    pp = [i for i in range(len(src.code)) if src.is_pp(i)]
    for k, want in enumerate(("#ifndef " + guard, "#define " + guard)):
        got = " ".join(src.code[pp[k]].split()) if k < len(pp) else ""
        if got != want:
            at = pp[k] + 1 if k < len(pp) else max(len(src.lines), 1)
            src.report(at, "include-guard", "the header's %s directive "
                       "must be \"%s\"" % (("first", "second")[k], want))
            return
    last = len(src.code)
    while last > 0 and src.code[last - 1].strip() == "":
        last -= 1
    if last == 0 or src.code[last - 1].strip() != "#endif":
        src.report(max(last, 1), "include-guard", "the header must end "
                   "with the #endif of %s" % guard)


INCLUDE = re.compile(r"\s*#\s*include\s*([<\"])([^>\"]*)[>\"]")


def check_include_order(src):
    seen_project = False
    prev = None  # the include on the line before, if any
    for i, c in enumerate(src.code):
        m = INCLUDE.match(src.lines[i])
        if not m or not src.is_pp(i):
            prev = None
            continue
        kind, name = m.group(1), m.group(2)
        if kind == "<" and seen_project:
            src.report(i + 1, "include-order", "<%s> after a \"project\" "
                       "header; system headers come first" % name)
        if kind == '"':
            seen_project = True
        if prev is not None and prev[0] == kind and name < prev[1]:
            src.report(i + 1, "include-order", "%s%s%s after %s%s%s: sort "
                       "the block" % (kind, name, ">" if kind == "<" else
                                      '"', prev[0], prev[1],
                                      ">" if kind == "<" else '"'))
        prev = (kind, name)


def check_func_def(src):
    for start, name, brace in src.funcs:
        if name is None:
            src.report(start + 1, "func-def", "the return type on a line "
                       "of its own, the function's name at column 0 on "
                       "the next")
            continue
        ident = NAME_AT_0.match(src.code[name]).group(1)
        if name == start and not ident.isupper():
            # An upper-case name is a macro that opens a function, such
            # as Check's START_TEST(name).
            src.report(name + 1, "func-def", "%s(): the return type goes "
                       "on the line above the name" % ident)


def check_func_brace(src):
    for i, c in enumerate(src.code):
        if src.depth[i] != 0 or src.is_pp(i):
            continue
        s = c.rstrip()
        if s == "{" or not s.endswith("{"):
            continue
        start = decl_start(src, i)
        stmt = " ".join(src.code[start:i + 1])
        if "=" in stmt or re.match(r"\s*(?:typedef|struct|union|enum)\b",
                                   stmt):
            continue
        if re.search(r"\)[^()]*\{$", s):
            src.report(i + 1, "func-brace", "a function's opening brace "
                       "goes alone on the next line")


def project_headers(path):
    """The headers that may declare what a file exports: those beside it,
    and those of the nearest include/ folder above it."""
    d = os.path.dirname(os.path.abspath(path))
    found = glob.glob(os.path.join(d, "*.h"))
    while True:
        inc = os.path.join(d, "include")
        if os.path.isdir(inc):
            found += glob.glob(os.path.join(inc, "*.h"))
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return sorted(set(found))


_declared = {}


def header_code(path):
    if path not in _declared:
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            text = ""
        _declared[path] = "\n".join(scan(text)[1])
    return _declared[path]


def check_static(src):
    if src.header:
        return
    headers = None
    for start, name, brace in src.funcs:
        if name is None:
            continue
        ident = NAME_AT_0.match(src.code[name]).group(1)
        rtype = " ".join(src.code[start:name]).split()
        if not rtype or "static" in rtype or ident in EXTERN_OK:
            continue
        if headers is None:
            headers = [header_code(h) for h in project_headers(src.path)]
        decl = re.compile(r"\b%s\s*\(" % re.escape(ident))
        if not any(decl.search(h) for h in headers):
            src.report(name + 1, "static", "%s() is not static and no "
                       "project header declares it" % ident)


KEYWORD_PAREN = re.compile(r"\b(if|for|while|switch|return)\(")


def check_keyword_space(src):
    for i, c in enumerate(src.code, 1):
        m = KEYWORD_PAREN.search(c)
        if m:
            src.report(i, "keyword-space", "a space between '%s' and '('"
                       % m.group(1))


def check_space_before(src):
    for i, c in enumerate(src.code):
        for m in re.finditer(r"(?<=\S)[ \t]+([,;])", c):
            if src.in_comment(i, m.start(), m.end()):
                continue
            # an empty clause of for: for (i = 0; ; i++)
            if m.group(1) == ";" and c[:m.start()].endswith((";", "(")):
                continue
            src.report(i + 1, "space-before", "space before '%s'"
                       % m.group(1))


def for_header_spans(c):
    """Column spans of the (...) of each 'for' on a code line (as much
    of it as is on the line)."""
    spans = []
    for m in re.finditer(r"\bfor\s*\(", c):
        depth = 0
        for j in range(m.end() - 1, len(c)):
            if c[j] == "(":
                depth += 1
            elif c[j] == ")":
                depth -= 1
                if depth == 0:
                    break
        spans.append((m.end(), j))
    return spans


def check_space_after(src):
    for i, c in enumerate(src.code):
        for m in re.finditer(r",(?=[^\s])", c):
            src.report(i + 1, "space-after", "a space after ','")
        for a, b in for_header_spans(c):
            for m in re.finditer(r";(?=[^\s;)])", c[a:b]):
                src.report(i + 1, "space-after", "a space after ';' in "
                           "for (...)")


def check_paren_space(src):
    for i, c in enumerate(src.code):
        for m in re.finditer(r"\([ \t]+(?=\S)|(?<=\S)[ \t]+\)", c):
            if src.in_comment(i, m.start(), m.end()):
                continue
            # an empty last clause of for: for (x; y; )
            if c[:m.start()].endswith(";"):
                continue
            src.report(i + 1, "paren-space", "space after '(' or before "
                       "')'")


OPERATOR = re.compile(r"<<=|>>=|->|\+\+|--|<<|>>|==|!=|<=|>=|&&|\|\||"
                      r"[-+*/%&|^]=|[=<>!&|+\-*/%^~?:]")
SPACED = {"=", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=",
          "%=", "&=", "|=", "^=", "<<=", ">>="}


def check_op_space(src):
    for i, c in enumerate(src.code):
        if re.match(r"\s*#\s*include\b", c):
            continue
        for m in OPERATOR.finditer(c):
            op = m.group(0)
            if op not in SPACED:
                continue
            left = c[m.start() - 1] if m.start() > 0 else " "
            right = c[m.end()] if m.end() < len(c) else " "
            if not left.isspace() or not right.isspace():
                src.report(i + 1, "op-space", "a space on each side of "
                           "'%s'" % op)


def check_brace_space(src):
    for i, c in enumerate(src.code, 1):
        if re.search(r"\b(?:else|do)\{", c) or re.match(
                r"\s*(?:\}\s*)?(?:else\s+)?(?:if|for|while|switch)\b.*"
                r"\)\{\s*$", c):
            src.report(i, "brace-space", "a space before '{'")


def check_else(src):
    prev = None  # the last line with code on it
    for i, c in enumerate(src.code, 1):
        s = c.strip()
        if s == "":
            continue
        if re.match(r"else\b", s) and prev is not None and prev.endswith("}"):
            src.report(i, "else", "'} else' on one line")
        elif re.search(r"\}\s*else\b", s) and not re.search(r"\} else\b", s):
            src.report(i, "else", "one space in '} else'")
        prev = s


def check_case_indent(src):
    switches = []  # (depth of the body, tabs of the switch line)
    for i, c in enumerate(src.code):
        while switches and src.depth[i] < switches[-1][0]:
            switches.pop()
        m = re.match(r"(\s*)(case\b|default\s*:)", c)
        if m and switches and src.depth[i] == switches[-1][0]:
            if m.group(1) != "\t" * switches[-1][1]:
                src.report(i + 1, "case-indent", "'%s' is not as far in "
                           "as its switch" % m.group(2).rstrip(" :"))
        if re.search(r"\bswitch\b.*\{\s*$", c):
            tabs = len(re.match(r"\t*", c).group(0))
            body = src.depth[i] + c.count("{") - c.count("}")
            switches.append((body, tabs))


def check_label(src):
    for i, c in enumerate(src.code, 1):
        m = re.match(r"\s+([A-Za-z_]\w*):(?!:)", c)
        if m and m.group(1) != "default" and src.depth[i - 1] > 0 and \
                not re.match(r"\s+\w+\s*:\s*\d", c):
            src.report(i, "label", "the label %s: goes at column 0"
                       % m.group(1))


UNSAFE_CALL = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(UNSAFE))
LITERAL_STRCPY = re.compile(r"strcpy\s*\([^,;]*,\s*\"x*\"\s*\)")


def check_unsafe_func(src):
    parts = os.path.normpath(os.path.abspath(src.path)).split(os.sep)
    if "milter" not in parts[:-1]:
        return
    for i, c in enumerate(src.code, 1):
        for m in UNSAFE_CALL.finditer(c):
            if m.group(1) == "strcpy" and LITERAL_STRCPY.match(c, m.start()):
                continue
            src.report(i, "unsafe-func", "%s() is not used in milter/"
                       % m.group(1))


# The check functions, in CHECKS' order: check_NAME() for each NAME.
RUN = [globals()["check_" + name.replace("-", "_")] for name, _ in CHECKS]


def check_file(path):
    with open(path, "rb") as f:
        src = Source(path, f.read())
    for fn in RUN:
        fn(src)
    src.found.sort(key=lambda x: (x[0], CHECK_ORDER[x[1]]))
    return ["%s:%d: %s [%s]" % (path, line, msg, check)
            for line, check, msg in src.found]


def main(argv):
    args = argv[1:]
    if args[:1] == ["-l"]:
        for name, what in CHECKS:
            print("%-15s %s" % (name, what))
        return 0
    if args[:1] == ["--"]:
        args = args[1:]
    elif args and args[0].startswith("-"):
        sys.stderr.write("usage: checksrc.py [-l] [FILE...]\n")
        return 2
    if not args:
        for pattern in DEFAULT:
            args += sorted(glob.glob(pattern))
        if not args:
            sys.stderr.write("checksrc.py: no sources here; run it from "
                             "the top of the tree\n")
            return 2
    bad = 0
    for path in args:
        try:
            out = check_file(path)
        except OSError as e:
            sys.stderr.write("checksrc.py: %s: %s\n" % (path, e.strerror))
            return 2
        for line in out:
            print(line)
        bad += len(out)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
