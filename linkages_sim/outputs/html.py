"""report.html: the report's Markdown as one self-contained web page.

The Markdown is rendered by markdown-it-py (installed with rich, which the command line uses)
with tables enabled; every image the report links to is embedded as a base64 PNG data URI, so
the one file opens in any browser, offline, with its figures inline: no scripts, no network.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 1180px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { font-size: 1.7em; border-bottom: 2px solid #1f4e79; padding-bottom: 0.2em; }
h2 { font-size: 1.3em; color: #1f4e79; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; display: block;
        overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; height: auto; border: 1px solid #ddd; margin-top: 0.6em; }
code { background: #f3f3f3; padding: 0 0.2em; font-size: 0.92em; }
em { color: #555; }
ul { padding-left: 1.3em; } li { margin: 0.35em 0; }
"""

_IMG = re.compile(r'<img src="([^"]+)"')


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def embed_images(body: str, folder: Path) -> str:
    """Replace each `<img src="relative/path.png"` by a data URI of that file (if it exists)."""

    def inline(match: re.Match) -> str:
        src = html.unescape(match.group(1))
        path = folder / src
        if "://" in src or src.startswith("data:") or not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'<img src="data:image/png;base64,{data}"'

    return _IMG.sub(inline, body)


def render_html(markdown: str, folder: Path, title: str | None = None) -> str:
    """The report as a web page; images linked relative to `folder` are embedded."""
    body = embed_images(_parser().render(markdown), folder)
    if title is None:
        first = next((line[2:] for line in markdown.splitlines() if line.startswith("# ")), "")
        title = first or "linkages-sim report"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body}</body>\n</html>\n"
    )
