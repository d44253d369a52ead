"""QR codes drawn on the server as inline SVG (no image request, nothing fetched): a session's check-in link, a
certificate's public check."""

import qrcode
import qrcode.image.svg


def qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")
