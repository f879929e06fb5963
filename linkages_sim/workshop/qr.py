"""The join QR code as SVG, made on the server (qrcode's pure-Python SVG path image)."""

from __future__ import annotations

import re


def qr_svg(text: str) -> str:
    """A standalone SVG of the QR code of ``text``.

    Black modules on white, scalable (no fixed size, only a viewBox), with a quiet zone of two
    modules.
    """
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    size = view.group(1) if view else "100%"
    opening = svg.index(">", svg.index("<svg")) + 1
    background = f'<rect width="{size}" height="{size}" fill="#fff"/>'
    svg = svg[:opening] + background + svg[opening:]
    attributes = 'shape-rendering="crispEdges" role="img" aria-label="QR code"'
    return svg.replace("<svg", f"<svg {attributes}", 1)
