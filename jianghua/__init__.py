"""jianghua (讲话助手): retrieval and citation-checked answers over Chinese speeches."""

__version__ = "0.1.0"
