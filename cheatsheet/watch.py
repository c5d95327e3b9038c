"""Watch mode: rebuild when content, config, templates or styles change, and serve a live
preview on 127.0.0.1 that reloads itself after each rebuild.

Rebuilds share one BuildCache, so WeasyPrint's fonts and parsed stylesheets and the
converted Markdown of unchanged sections are reused. A failed build is shown in the terminal
and on the preview page, and watching goes on; a build's warnings are shown on both too.

The server answers only requests addressed to it by name (`Host: 127.0.0.1:PORT` or
`localhost:PORT`): a web page open in the same browser could otherwise point a DNS name it
controls at 127.0.0.1 (DNS rebinding) and read the notes. Any request it does not expect
gets a 404, never a traceback.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import load_project
from .errors import CheatsheetError, format_diagnostics
from .pipeline import BuildCache, build_sheet
from .resources import BUILTIN_ROOT

IGNORED_PARTS = {"output", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}
WATCHED_SUFFIXES = {
    ".md", ".markdown", ".mdown", ".txt", ".toml", ".css", ".j2", ".html",
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ttf", ".otf", ".woff", ".woff2",
}  # fmt: skip
PREVIEW_SCALE = 1.6


@dataclass
class PreviewState:
    """What the preview server shows; replaced as a whole after each build."""

    version: int = 0
    pages: list[bytes] = field(default_factory=list)
    pdf: bytes = b""
    summary: str = "building…"
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def watch(args, overrides: dict) -> int:
    state = PreviewState()
    server = _start_server(args.port, state)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"preview: {url} (Ctrl-C to stop)", flush=True)
    cache = BuildCache()
    first_build = time.time_ns()
    paths = _rebuild(args, overrides, cache, state)
    try:
        import watchfiles

        # An edit saved between the first build and the moment the watcher is listening
        # raises no event (the tests' edit right after the first preview was lost, now and
        # then, on a busy machine). The first quiet period proves the watcher listens: any
        # file changed since the first build started is built then.
        unchecked = True
        for changes in watchfiles.watch(
            *paths,
            watch_filter=_relevant,
            debounce=250,
            step=50,
            raise_interrupt=True,
            rust_timeout=STARTUP_CHECK_MS,
            yield_on_timeout=True,
        ):
            if not changes:
                if unchecked and _changed_since(paths, first_build):
                    paths = _rebuild(args, overrides, cache, state)
                unchecked = False
                continue
            unchecked = False
            paths = _rebuild(args, overrides, cache, state)
    except KeyboardInterrupt:
        print("stopped watching", flush=True)
    finally:
        server.shutdown()
    return 0


# How long the watcher waits for an event before it yields an empty set (the first one
# starts the check for edits it may have missed while starting).
STARTUP_CHECK_MS = 500


def _changed_since(paths: list[Path], since_ns: int) -> bool:
    """Has a watched file under `paths` been modified since `since_ns`?"""
    for root in paths:
        files = [root] if root.is_file() else root.rglob("*")
        for path in files:
            if _relevant(None, str(path)):
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime_ns >= since_ns:
                        return True
    return False


def _relevant(change, path: str) -> bool:
    parts = set(Path(path).parts)
    name = Path(path).name
    if parts & IGNORED_PARTS or name.startswith(".") or name.endswith(".tmp"):
        return False
    return Path(path).suffix.lower() in WATCHED_SUFFIXES


def _rebuild(args, overrides: dict, cache: BuildCache, state: PreviewState) -> list[Path]:
    """Build every selected sheet; show the first one in the preview. Never raises."""
    started = time.perf_counter()
    paths = [Path(args.project).resolve(), BUILTIN_ROOT / "styles", BUILTIN_ROOT / "templates"]
    try:
        project = load_project(args.project, args.config, overrides)
        sheets = project.sheets(args.sheets)
        paths += [path.parent for sheet in sheets for path in sheet.trusted]
        results = [build_sheet(sheet, cache) for sheet in sheets]
        first = results[0]
        pdf = first.output.read_bytes()
        pages = _render_pages(pdf)
        summary = "; ".join(
            f"{r.output.name}: {r.pages} page{'s' * (r.pages != 1)}, {r.font_size:g} pt"
            for r in results
        )
        summary += f" ({time.perf_counter() - started:.1f} s)"
        warnings = [line for r in results for line in format_diagnostics(r.report.diagnostics)]
        with state.lock:
            state.pages, state.pdf, state.summary, state.error = pages, pdf, summary, ""
            state.warnings = warnings
            state.version += 1
        print(f"rebuilt: {summary}", flush=True)
        for line in warnings:
            print(line, file=sys.stderr, flush=True)
    except CheatsheetError as exc:
        _show_error(state, str(exc))
    except Exception as exc:  # keep watching whatever happens; the terminal gets the detail
        _show_error(state, f"internal error: {type(exc).__name__}: {exc}")
    return list(dict.fromkeys(p for p in paths if p.exists()))


def _show_error(state: PreviewState, message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
    with state.lock:
        state.error = message
        state.version += 1


def _render_pages(pdf: bytes) -> list[bytes]:
    import io

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    images = []
    for page in document:
        buffer = io.BytesIO()
        page.render(scale=PREVIEW_SCALE).to_pil().save(buffer, format="PNG")
        images.append(buffer.getvalue())
    return images


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>cheatsheet preview</title>
<style>
body {{ margin: 0; background: #5b6270; font: 14px system-ui, sans-serif; color: #fff; }}
header {{ padding: .6em 1em; background: #2c313a; }}
.error {{ background: #b3261e; padding: .8em 1em; white-space: pre-wrap; font-family: monospace; }}
.warnings {{ background: #7a5a00; padding: .6em 1em; white-space: pre-wrap; font-family: monospace;
             margin: 0; }}
img {{ display: block; margin: 1em auto; max-width: calc(100% - 2em); background: #fff;
       box-shadow: 0 2px 12px rgba(0,0,0,.5); }}
</style></head><body>
<header>{summary} · <a style="color:#9cf" href="/pdf">PDF</a></header>
{error}
{warnings}
{pages}
<script>
const version = "{version}";
setInterval(async () => {{
  try {{
    const response = await fetch("/version", {{cache: "no-store"}});
    if ((await response.text()) !== version) location.reload();
  }} catch (e) {{}}
}}, 400);
</script>
</body></html>
"""


PAGE_PATH = re.compile(r"/page/(\d{1,6})\.png", re.ASCII)


def allowed_hosts(port: int) -> set[str]:
    """The Host headers a browser sends for this server; anything else is another site."""
    return {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}


def _start_server(port: int, state: PreviewState) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away
            except Exception:  # never a traceback for a request we did not expect
                with contextlib.suppress(Exception):
                    self.send_error(404)

        def _answer(self) -> None:
            host = (self.headers.get("Host") or "").lower()
            if host not in allowed_hosts(self.server.server_address[1]):
                self.send_error(403, "unexpected Host header")
                return
            with state.lock:
                version, pages, pdf = state.version, state.pages, state.pdf
                summary, error, warnings = state.summary, state.error, state.warnings
            path = self.path.split("?")[0]
            page = PAGE_PATH.fullmatch(path)
            if path == "/version":
                self._send(str(version).encode(), "text/plain")
            elif path == "/pdf" and pdf:
                self._send(pdf, "application/pdf")
            elif page and int(page.group(1)) < len(pages):
                self._send(pages[int(page.group(1))], "image/png")
            elif path == "/":
                images = "\n".join(
                    f'<img src="/page/{i}.png?v={version}" alt="page {i + 1}">'
                    for i in range(len(pages))
                )
                error_block = f'<div class="error">{html.escape(error)}</div>' if error else ""
                warning_block = (
                    f'<pre class="warnings">{html.escape(chr(10).join(warnings))}</pre>'
                    if warnings and not error
                    else ""
                )
                body = PAGE.format(
                    summary=html.escape(summary),
                    error=error_block,
                    warnings=warning_block,
                    pages=images,
                    version=version,
                )
                self._send(body.encode("utf-8"), "text/html; charset=utf-8")
            else:
                self.send_error(404)

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except (OSError, OverflowError) as exc:  # port taken, or not a port number at all
        reason = getattr(exc, "strerror", None) or "not a port number: use 1-65535"
        raise CheatsheetError(
            f"cannot serve the preview on 127.0.0.1:{port} ({reason})",
            hint="pick another --port",
        ) from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
