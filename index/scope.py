"""Which documents a search is about: explicit filters (doc_id, year, type, speaker) or what the question names.

A question names a year (2019年…; 今年/去年/前年, counted from ``today`` — settings.today / $JIANGHUA_TODAY — or
else the corpus's latest year), a document type (政府工作报告, 党代会报告 via 十九大报告 …, 决议, 表态发言, 通报), a
congress (十九大 → 2017; 十八大以来 names a time, not a report), a speaker the corpus knows (their documents and,
when no type or title names documents too, those whose speaker is not known), or quotes a document's title. Year,
type and speaker found together are combined (2019年 + 政府工作报告 → the 2019 政府工作报告); documents named by
title are added to those (a question may name two: 表态发言和基层党建工作会讲话) — with a year named, only those of
that year or undated ("2023年国务院政府工作报告" quotes every year's title). A scope that matches no document is not applied.
``terms`` are the words of the question that named the scope; the keyword query leaves them out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from jianghua.index.catalog import Catalog
from jianghua.ingest.doctype import congress_year
from jianghua.errors import InputError

_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年(?!度|代)(?:\s*(\d{1,2})\s*月)?")
_RELATIVE = {"今年": 0, "本年": 0, "去年": 1, "上年度": 1, "前年": 2}
_RELATIVE_RE = re.compile("|".join(_RELATIVE))
# a year directly before one of these names the document's year, not a year the text talks about
_DOC_AFTER_YEAR = re.compile(r"\s*(?:的|度的)?\s*(?:国务院|中央|全国|海拉尔区|区)?\s*(?:政府工作报告|报告|讲话|决议|通报|发言)")
TYPE_WORDS: tuple[tuple[str, re.Pattern], ...] = tuple((t, re.compile(p)) for t, p in (
    ("决议", r"决议"),
    ("政府工作报告", r"政府工作报告(?!的决议)"),
    ("党代会报告", r"[一二三四五六七八九十]{1,3}大(?:的|政治)?报告|党代会报告|全国代表大会(?:上的)?(?:政治)?报告"),
    ("表态发言", r"表态发言"),
    ("通报", r"通报"),
))
# 十九大报告 / 十九大上 names the congress's report; 十八大以来 / 十九大之后 name a time, not a document
_CONGRESS_Q = re.compile(r"(?<![一二三四五六七八九十])([一二三四五六七八九十]{1,3})大(?!以来|以后|之后|以前|之前|前|后|召开|闭幕)")


@dataclass
class Scope:
    """A set of documents (mask over the catalog) and why; ``hard``: only these (explicit filters)."""
    doc_mask: np.ndarray | None = None
    hard: bool = False
    named: dict = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def active(self) -> bool:
        return self.doc_mask is not None

    def trace(self, catalog: Catalog) -> dict:
        out = {"applied": self.active, "hard": self.hard, "named": self.named}
        if self.active:
            out["documents"] = int(self.doc_mask.sum())
            out["sample"] = catalog.describe(self.doc_mask, 3)
        if self.note:
            out["note"] = self.note
        return out


def reference_year(catalog: Catalog, today: str | None) -> int | None:
    if today:
        m = re.match(r"\s*((?:19|20)\d{2})", str(today))
        if not m:
            raise InputError(f"JIANGHUA_TODAY must start with a year (YYYY or YYYY-MM-DD), got {today!r}")
        return int(m.group(1))
    return catalog.latest_year


def explicit_scope(catalog: Catalog, doc_id=None, year=None, type=None, speaker=None) -> Scope | None:
    """A hard scope from filters; None when no filter is given. Values may be lists (any of them)."""
    named = {k: v for k, v in (("doc_id", doc_id), ("year", year), ("type", type), ("speaker", speaker))
             if v not in (None, "", [])}
    if not named:
        return None
    m = np.ones(len(catalog.docs), bool)
    for key, val in named.items():
        vals = val if isinstance(val, (list, tuple, set)) else [val]
        if key == "year":
            try:
                vals = {int(v) for v in vals}
            except (TypeError, ValueError) as e:
                raise InputError(f"year must be a number, got {val!r}") from e
            m &= np.isin(catalog.years, list(vals))
        else:
            vals = {str(v) for v in vals}
            attr = "id" if key == "doc_id" else key
            m &= np.array([getattr(d, attr) in vals for d in catalog.docs], bool)
    return Scope(m, hard=True, named=named,
                 note=None if m.any() else "no document matches the filters")


def infer_scope(query: str, catalog: Catalog, today: str | None = None) -> Scope:
    """The documents ``query`` names (see the module docstring); an inactive Scope when it names none."""
    named: dict = {}
    terms: list[str] = []
    masks: list[tuple[str, np.ndarray]] = []
    years, doc_years, months = [], [], {}
    for m in _YEAR.finditer(query):
        y = int(m.group(1))
        years.append(y)
        terms.append(m.group(1))
        if m.group(2):
            months[y] = int(m.group(2))
        if _DOC_AFTER_YEAR.match(query, m.end()):
            doc_years.append(y)
    if not years and (rm := _RELATIVE_RE.search(query)):
        ref = reference_year(catalog, today)
        if ref:
            years = doc_years = [ref - _RELATIVE[rm.group(0)]]
            named["relative"] = {"word": rm.group(0), "reference_year": ref}
            terms.append(rm.group(0))
    types = [t for t, p in TYPE_WORDS if p.search(query)]
    cm = _CONGRESS_Q.search(query)
    if cm and (cy := congress_year(f"第{cm.group(1)}次全国代表大会")):
        types = types or ["党代会报告"]
        years, doc_years = [cy], [cy]
        named["congress"] = cm.group(0)
    chosen = doc_years or years
    if chosen:
        named["year"] = sorted(set(chosen))
        masks.append(("year", np.isin(catalog.years, chosen)))
        if len(chosen) == 1 and chosen[0] in months:
            prefix = f"{chosen[0]}-{months[chosen[0]]:02d}"
            named["month"] = prefix
            masks.append(("month", np.array([(d.date or "").startswith(prefix) for d in catalog.docs], bool)))
    if types:
        named["type"] = types
        masks.append(("type", np.array([d.type in types for d in catalog.docs], bool)))
    speakers = [s for s in catalog.speakers if s in query]
    titled, covered = catalog.named_by_title(query)
    if speakers:
        named["speaker"] = speakers[:3]
        # …and, when nothing else names documents, those whose speaker is not known (a web page that names no one):
        # they may be that person's
        unknown = not (types or titled)
        masks.append(("speaker", np.array([d.speaker in speakers or (unknown and not d.speaker) for d in catalog.docs],
                                          bool)))
        terms += speakers
    if titled:
        named["title"] = {"documents": len(titled), "chars": covered}
    if not masks and not titled:
        return Scope()
    if any(key in ("year", "month") and not extra.any() for key, extra in masks):
        return Scope(named=named, note="the question names a year this version has no document of")
    m = None
    for key, extra in masks:         # year, type and speaker together (2019年 + 政府工作报告)
        if m is None or (m & extra).any():
            m = extra.copy() if m is None else m & extra
        elif key in ("type", "speaker"):      # two documents named apart: 市领导讲话和通报
            m |= extra
            named.setdefault("either", []).append(key)
        else:
            named.setdefault("ignored", []).append(key)
    if titled:                       # documents named by title join the others: 表态发言和基层党建工作会讲话
        tm = np.zeros(len(catalog.docs), bool)
        tm[list(titled)] = True
        if chosen:                   # …but not another year's: "2023年国务院政府工作报告" quotes every year's title
            tm &= np.isin(catalog.years, chosen) | (catalog.years == 0)
        m = tm if m is None else m | tm
    if not m.any():
        return Scope(named=named, note="the question names documents this version does not have")
    return Scope(m, hard=False, named=named, terms=terms)
