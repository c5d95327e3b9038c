"""Drawn SVG images (emoji, formulas), kept on disk between builds as PDF drawing operators.

WeasyPrint 70 draws an SVG by walking its whole tree (`weasyprint.svg.SVG.draw`: ~13 ms for
an OpenMoji emoji, a few ms for a formula); a build of the sample sheet spends a fifth of its
time there and the emoji sheet seconds, though the same images come out every time. Each
distinct image is drawn once per size into a PDF form; the form's operators go to the user's
cache folder, and a later build (or the next document in the same process) replays them
instead of drawing. Only self-contained drawings are stored: plain paths and colours, with
at most constant-alpha graphics states; anything that needs other resources (gradients,
masks, embedded images, text) is drawn by WeasyPrint every time. The output is the same
PDF operators either way, so pages look the same.

Tagged PDFs draw as WeasyPrint does: marked content inside a shared form would break the
structure tree.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import cacheentry

# Set by the pipeline to the user's cache folder; None keeps drawings in memory only.
DISK_CACHE: Path | None = None
FORMAT = "3"  # bump when what is stored or how it is keyed changes
MAX_ENTRY = 2_000_000  # bytes: a bigger drawing is not worth a file
_identity: str | None = None


def install() -> None:
    """Replace `SVGImage.draw` (once per process) by the form-and-disk version."""
    from weasyprint.images import SVGImage

    if getattr(SVGImage.draw, "from_drawing_cache", False):
        return
    draw_as_weasyprint = _weasyprint_draw

    def draw(self, stream, concrete_width, concrete_height, style):
        if getattr(stream, "_tags", None) is not None:
            return draw_as_weasyprint(self, stream, concrete_width, concrete_height)
        size = (round(concrete_width, 3), round(concrete_height, 3))
        uses = self.__dict__.setdefault("_cheatsheet_uses", {})
        seen = uses.get(size)
        if seen is None or seen[0] is not stream._resources:
            # First use in this document: drawn in place (no form's overhead), from the
            # cache when it is there.
            uses[size] = (stream._resources, _draw_in_place(self, stream, size))
            return None
        resources, drawn = seen
        if not isinstance(drawn, str):  # second use: the drawing becomes a shared form
            drawn = _form_of(stream, drawn, concrete_width, concrete_height)
            uses[size] = (resources, drawn)
        stream.draw_x_object(drawn)
        return None

    draw.from_drawing_cache = True  # type: ignore[attr-defined]
    draw.draws_once = True  # type: ignore[attr-defined]  # pdf.draw_each_svg_once: done
    SVGImage.draw = draw  # type: ignore[method-assign]


Drawing = tuple[bytes, dict[str, dict[str, float]]]  # PDF operators, alpha states by name


def _weasyprint_draw(image, stream, width, height) -> None:
    """`weasyprint.images.SVGImage.draw` as WeasyPrint 70 has it, except that an interrupt
    (Ctrl-C, SIGTERM turned into an exception) is not swallowed: a build stopped while drawing
    an emoji went on to write its PDF and exit 0."""
    from weasyprint.logger import LOGGER

    try:
        image._svg.draw(stream, width, height, image._base_url, image._context)
    except Exception as exception:  # WeasyPrint has BaseException, which swallowed Ctrl-C
        LOGGER.error("Failed to render SVG image %s", image._base_url)
        LOGGER.debug("Error while rendering SVG image:", exc_info=exception)


def _draw_in_place(image, stream, size: tuple[float, float]) -> Drawing | str:
    """Draw the image into the page's stream; return the drawing (to replay as a form at its
    next use), or the name of the form it was drawn into when it cannot be stored."""
    width, height = size
    key = image.__dict__.get("_cheatsheet_key")
    if key is None:
        key = image.__dict__["_cheatsheet_key"] = _key(image)
    entry_key = f"{key}|{width}|{height}"
    drawing = _read(entry_key) or _scaled(image, key, width, height)
    if drawing is None:
        scratch = _empty_form(stream, width, height)
        _weasyprint_draw(image, scratch, width, height)
        drawing = _storable(scratch)
        if drawing is None:  # gradients, masks, text...: this form is what is drawn
            stream._resources["XObject"][scratch.id] = scratch
            stream.draw_x_object(scratch.id)
            return scratch.id
        _write(entry_key, *drawing)
        if _has_view_box(image) and SCALABLE.match(drawing[0]):
            _write(f"{key}|any", *drawing, size=(width, height))
    operators, states = drawing
    for name, values in states.items():
        stream._resources["ExtGState"].setdefault(name, _dictionary(values))
    stream.stream += [b"q", operators, b"Q"]
    return drawing


# How WeasyPrint starts drawing an SVG: the form's origin, then the viewBox's scale and
# offset into the size it is drawn at. Everything after is in the viewBox's units.
NUMBER = rb"(-?[0-9.]+)"
SCALABLE = re.compile(b"q\n1 0 0 1 0 0 cm\n%s 0 0 %s %s %s cm\n" % ((NUMBER,) * 4))


# Two sizes are of the same shape when their sides' ratios differ by less than this: sizes
# are rounded to 0.001 px, so a formula's height and width are never exactly in proportion;
# the viewBox then sits less than 0.01 px away from where a new drawing puts it.
SAME_SHAPE = 1e-3


def _scaled(image, key: str, width: float, height: float) -> Drawing | None:
    """The drawing stored at another size of the same shape, scaled to this one, or None.

    An SVG with a viewBox is drawn in the viewBox's units after one scale-and-offset that
    maps them into the size it is drawn at, so its drawing at another size differs in that
    matrix alone: a sheet that moves from 9.5 to 9.4 pt (watch mode, fitting) replays its
    formulas and emoji instead of drawing them all again (sample sheet: 21 formulas)."""
    if not _has_view_box(image):
        return None
    stored = _read(f"{key}|any")
    size = _sizes.get(f"{key}|any")
    if stored is None or size is None:
        return None
    old_width, old_height = size
    if not old_width or not old_height:
        return None
    across, down = width / old_width, height / old_height
    if abs(across - down) > SAME_SHAPE * max(across, down):
        return None  # another shape: the viewBox sits differently in it
    operators, states = stored
    match = SCALABLE.match(operators)
    if match is None:
        return None
    factor = min(across, down)
    a, d, e, f = (float(number) * factor for number in match.groups())
    head = b" ".join(_number(x) for x in (a, 0.0, 0.0, d, e, f))
    drawing = (b"q\n1 0 0 1 0 0 cm\n" + head + b" cm\n" + operators[match.end() :], states)
    _write(f"{key}|{width}|{height}", *drawing)
    return drawing


def _number(value: float) -> bytes:
    """A number as pydyf writes it."""
    import pydyf

    return pydyf._to_bytes(float(value))


def _has_view_box(image) -> bool:
    tree = getattr(getattr(image, "_svg", None), "tree", None)
    return tree is not None and bool(tree.get("viewBox"))


def _empty_form(stream, width: float, height: float):
    """A form XObject for one image, not yet in the page's resources. A roomy box: glyph
    overhangs of a formula must not be clipped; no transparency group (PDF/A-1 safe)."""
    form = stream.add_group(-width, -height, 3 * width, 3 * height)
    del stream._resources["XObject"][form.id]
    del form.extra["Group"]
    form.id = f"x{len(stream._resources['XObject'])}c"
    return form


def _form_of(stream, drawing: Drawing, width: float, height: float) -> str:
    """A shared form replaying a drawing; its name in the page's resources."""
    form = _empty_form(stream, width, height)
    operators, states = drawing
    form.stream = [operators]
    for name, values in states.items():
        form._resources["ExtGState"][name] = _dictionary(values)
    stream._resources["XObject"][form.id] = form
    return form.id


def _key(image) -> str:
    """The SVG's own bytes and what draws it: WeasyPrint's version and ours.

    The bytes are named by the hash our fetcher took of what it served for the image's URL
    (`sandbox` fetcher's `digests`); only an image that did not come through it is
    serialised again from its parsed tree (the emoji sheet: 0.3 s for 1 800 emoji)."""
    import weasyprint

    served = getattr(getattr(image, "_url_fetcher", None), "digests", None)
    fetched = served.get(image._base_url) if isinstance(served, dict) else None
    if fetched is not None:
        source = f"fetched|{fetched}".encode()
    else:
        from xml.etree import ElementTree

        source = ElementTree.tostring(image._svg.tree._etree_node)
    digest = hashlib.sha256(source)
    digest.update(f"|{weasyprint.__version__}|{FORMAT}".encode())
    return digest.hexdigest()


def _storable(form) -> Drawing | None:
    """The form's operators and constant-alpha states, or None when it needs more."""
    import pydyf

    resources = form._resources
    if any(resources[kind] for kind in ("XObject", "Pattern", "Shading")):
        return None
    if any(item in (b"BT", b"BI") for item in form.stream):
        return None  # text (fonts are per document) or an inline image
    states: dict[str, dict[str, float]] = {}
    for name, state in resources["ExtGState"].items():
        if (
            not _alpha(str(name))
            or not isinstance(state, dict)
            or not all(
                k in ("CA", "ca") and isinstance(v, int | float) and not isinstance(v, bool)
                for k, v in state.items()
            )
        ):
            return None
        states[str(name)] = dict(state)
    operators = b"\n".join(pydyf._to_bytes(item) for item in form.stream)
    if len(operators) > MAX_ENTRY:
        return None
    return operators, states


def _dictionary(values: dict[str, float]):
    import pydyf

    return pydyf.Dictionary(values)


_memory: dict[str, Drawing] = {}
_sizes: dict[str, tuple[float, float]] = {}  # the size an entry of any size was drawn at


def _path(entry_key: str) -> Path | None:
    if DISK_CACHE is None:
        return None
    name = hashlib.sha256(entry_key.encode()).hexdigest()[:32]
    return DISK_CACHE / "drawings" / name[:2] / f"{name}.json"


def _read(entry_key: str) -> Drawing | None:
    """A stored drawing, or None when it is missing, foreign or damaged (the cache folder
    is anyone's to edit: an entry is used only if it names the exact key and its parts
    have the right types; operators are plain ASCII PDF syntax)."""
    if entry_key in _memory:
        return _memory[entry_key]
    path = _path(entry_key)
    if path is None:
        return None
    data = cacheentry.read(path, entry_key, encoding="ascii")
    if data is None:
        return None
    operators, states = data.get("operators"), data.get("states")
    if not isinstance(operators, str) or not isinstance(states, dict):
        return None
    for name, values in states.items():
        if not _alpha(name):
            return None
        if not isinstance(values, dict) or not all(
            k in ("CA", "ca") and isinstance(v, int | float) for k, v in values.items()
        ):
            return None
    if "endstream" in operators or not operators.isascii():
        return None
    size = data.get("size")
    if size is not None:
        if not (
            isinstance(size, list)
            and len(size) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in size)
        ):
            return None
        _sizes[entry_key] = (float(size[0]), float(size[1]))
    entry = (operators.encode("ascii"), states)
    _memory[entry_key] = entry
    return entry


def _alpha(name: str) -> bool:
    """WeasyPrint's names for alpha states: 'a0.5', 'A1'."""
    if not isinstance(name, str) or name[:1] not in ("a", "A"):
        return False
    return name[1:].replace(".", "", 1).isdigit()


def _write(
    entry_key: str,
    operators: bytes,
    states: dict[str, dict[str, float]],
    size: tuple[float, float] | None = None,
) -> None:
    """Store an entry (atomically: a build running at the same time reads the whole file
    or none); a cache that cannot be written only costs the next build its time. `size`:
    the size it was drawn at, for the entry of any size (`_scaled`)."""
    _memory[entry_key] = (operators, states)
    if size is not None:
        _sizes[entry_key] = size
    path = _path(entry_key)
    if path is None or not operators.isascii():
        return
    fields: dict = {"operators": operators.decode("ascii"), "states": states}
    if size is not None:
        fields["size"] = list(size)
    cacheentry.write(path, entry_key, fields, encoding="ascii")


def clear_memory() -> None:
    """Forget the drawings kept in this process (tests)."""
    _memory.clear()
    _sizes.clear()
