"""The sample corpus shipped with jianghua: five real speeches (表态发言, 述职评议讲话, 党建工作会讲话, 情况通报)."""
from pathlib import Path

SEEDS = Path(__file__).resolve().parent / "seeds"
