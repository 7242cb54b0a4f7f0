"""The sample corpus shipped with jianghua: five real speeches (表态发言, 述职评议讲话, 党建工作会讲话, 情况通报)."""
from pathlib import Path

SEEDS = Path(__file__).resolve().parent / "seeds"


def seed_pieces(size: int = 300) -> list[str]:
    """Each seed speech cut into ~``size``-character pieces along line breaks (long lines are cut): the texts that
    embedder tests and benchmarks compare engines on."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        buf = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line:
                continue
            if buf and len(buf) + len(line) > size:
                out.append(buf)
                buf = ""
            buf = f"{buf}\n{line}" if buf else line
            while len(buf) > size * 3 // 2:
                out.append(buf[:size])
                buf = buf[size:]
        if buf:
            out.append(buf)
    return out
