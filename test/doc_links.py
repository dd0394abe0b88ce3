#!/usr/bin/python3
"""The documentation's links and anchors, and its SVG figures.

Every Markdown file git tracks (README.md, CONTRIBUTING.md, CHANGELOG.md,
test/*/README.md, ...) is read as GitHub renders it: its headings give
anchors (GitHub's rule: the heading's text lower-cased, punctuation other
than "-" and "_" dropped, spaces turned into "-", a repeated anchor
suffixed -1, -2, ...), and each relative link outside code ([text](target),
![alt](target), <img src>, <a href>) must name a file or folder that exists
and, with a #fragment, an anchor of that Markdown file.  Links to http(s)
and mailto are not followed.  Then every doc/*.svg must be well-formed XML
whose root is an SVG element.  Prints one line per failure and
`N passed, N failed`.

    /usr/bin/python3 test/doc_links.py
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pycheck import check, done  # noqa: E402 (it makes the root the working directory)


def tracked(pattern):
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", pattern],
                         capture_output=True, text=True).stdout.split("\n")
    return sorted(p for p in out if p and os.path.isfile(p))


def prose_lines(text):
    """(line number, line) of the lines outside fenced code blocks."""
    fence = None
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^\s*(```+|~~~+)", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * 3
            elif m.group(1).startswith(fence):
                fence = None
            continue
        if fence is None:
            yield n, line


def anchor_of(heading):
    t = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)   # links: their text
    t = re.sub(r"<[^>]+>", "", t)                            # inline HTML
    t = t.replace("`", "").replace("*", "")
    t = t.strip().lower()
    t = "".join(c for c in t if c.isalnum() or c in " -_")
    return t.replace(" ", "-")


_anchors = {}


def anchors(path):
    if path not in _anchors:
        seen = {}
        found = set()
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for _, line in prose_lines(text):
            m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if not m:
                continue
            a = anchor_of(m.group(2))
            if a in seen:
                seen[a] += 1
                a = "%s-%d" % (a, seen[a])
            else:
                seen[a] = 0
            found.add(a)
        # explicit anchors: <a id="..."> or <a name="...">
        found |= set(re.findall(r'<a\s+(?:id|name)="([^"]+)"', text))
        _anchors[path] = found
    return _anchors[path]


LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML = re.compile(r"<(?:img|a)\s[^>]*?(?:src|href)=\"([^\"]+)\"")

markdown = tracked("*.md")
check(markdown != [], "Markdown files found")
for md in markdown:
    with open(md, encoding="utf-8") as f:
        text = f.read()
    for n, line in prose_lines(text):
        line = re.sub(r"(`+).*?\1", "", line)            # inline code
        for target in LINK.findall(line) + HTML.findall(line):
            where = "%s:%d: %s" % (md, n, target)
            if re.match(r"^(https?:|mailto:)", target):
                continue
            path, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
            if not os.path.exists(dest):
                check(False, where + " (no such file)")
                continue
            if frag:
                if not dest.endswith(".md"):
                    check(False, where + " (an anchor in a file that is not Markdown)")
                    continue
                check(frag in anchors(dest), where + " (no such heading in %s)" % dest)
            else:
                check(True, where)

SVG = "{http://www.w3.org/2000/svg}svg"
for svg in tracked("doc/*.svg"):
    try:
        root = ET.parse(svg).getroot()
        check(root.tag == SVG, "%s: root element is <svg> in the SVG namespace (%s)" % (svg, root.tag))
        check(root.get("viewBox") is not None, "%s: has a viewBox" % svg)
    except ET.ParseError as e:
        check(False, "%s: well-formed XML (%s)" % (svg, e))

done()
