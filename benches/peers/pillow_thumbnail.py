"""The Pillow job downsize replaces: open, thumbnail to half, save (JPEG q75 or PNG).

Usage: pillow_thumbnail.py INPUT OUTPUT jpeg|png
Prints {"ms": <wall time from open to saved file>, "cpu_ms": <process CPU time over the same
span>} so interpreter start-up and imports are not counted against Pillow.
"""

import json
import sys
import time

from PIL import Image


def main() -> None:
    src, out, fmt = sys.argv[1], sys.argv[2], sys.argv[3]
    started = time.perf_counter()
    cpu_started = time.process_time()
    with Image.open(src) as im:
        width, height = im.size
        # Half, rounded half up like downsize's `half`.
        im.thumbnail(((width + 1) // 2, (height + 1) // 2))
        if fmt == "jpeg":
            if im.mode not in ("RGB", "L"):
                im = im.convert("RGB")
            im.save(out, "JPEG", quality=75)
        else:
            im.save(out, "PNG")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(json.dumps({"ms": elapsed * 1000.0, "cpu_ms": cpu * 1000.0}))


if __name__ == "__main__":
    main()
