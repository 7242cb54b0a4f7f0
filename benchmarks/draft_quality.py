"""Draft checker: 表态发言 drafts on topics the seed and genre corpora cover and topics they do not, at lengths from
300 to 3,000 characters, over one knowledge base of both corpora.

Per draft: doubled subjects or modals in a measure (我们将…我们要, 将坚持将, 我们将只有…), redaction marks (* × ×××,
X次), repeated measures (two measures sharing half the character bigrams of the shorter), off-topic measures (a
measure whose cited sentence holds none of the topic's key words, written below by hand for each topic, not by the
drafter's own rule), the length ratio, the coverage and the time.

Targets: 0 doubled, 0 redaction marks, 0 repeated; every length within ±20% or coverage "thin"; every off-corpus
topic "thin"/"none" with no off-topic measure. The topics marked ``held_out`` were written with the others, before
tuning, and were not looked at while the selection settings were set.

    jianghua ingest samples/seeds ../shared/corpus/genre --kb /tmp/kb-drafts
    python benchmarks/draft_quality.py --kb /tmp/kb-drafts
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# topic, occasion, target length, which corpus holds it ("seeds", "genre", "off" = neither), key words
TOPICS = [
    ("落实全面从严治党主体责任", "区委全面从严治党工作会议", 800, "seeds", ["从严治党", "主体责任", "管党治党", "一岗双责"]),
    ("加强基层党组织建设", "全区基层党建工作推进会", 1500, "seeds", ["基层党组织", "基层党建", "党支部", "党组织"]),
    ("推动党建与业务深度融合", None, 600, "seeds", ["党建", "业务"]),
    ("整顿软弱涣散基层党组织", "软弱涣散基层党组织整顿动员部署会", 400, "seeds", ["软弱涣散", "整顿"]),
    ("转变机关工作作风", "机关作风建设推进会", 1000, "seeds", ["作风", "四风"]),
    ("推进乡村振兴", "全区乡村振兴工作动员部署会", 1200, "genre", ["乡村", "农村", "农业", "农民"]),
    ("优化营商环境", None, 2000, "genre", ["营商环境", "市场主体", "企业", "放管服"]),
    ("打好污染防治攻坚战", "全区生态环境保护工作推进会", 3000, "genre", ["污染", "环境", "生态", "排放", "治理"]),
    ("做好稳就业工作", None, 1500, "genre", ["就业", "创业"]),
    ("推进科技创新", None, 2500, "genre", ["科技", "创新", "研发"]),
    ("保障和改善民生", "区政府全体会议", 3000, "genre",
     ["民生", "收入", "教育", "医疗", "养老", "社会保障", "社保", "就业", "住房"]),
    ("防范化解重大风险", None, 800, "genre", ["风险"]),
    ("加强城市基础设施建设", None, 1200, "genre", ["基础设施", "城市", "道路", "管网"]),
    ("深化国有企业改革", None, 1000, "genre", ["国有企业", "国企", "国有资本", "国资"]),
    ("加强党风廉政建设", "全区警示教育大会", 2000, "genre",
     ["廉政", "腐败", "纪律", "作风", "八项规定", "四风", "监督", "廉洁"]),
    ("巩固拓展脱贫攻坚成果", None, 300, "genre", ["脱贫", "贫困", "返贫"]),
    ("量子计算产业发展", None, 1500, "off", ["量子"]),
    ("加强校园足球训练", "全市校园足球工作会议", 600, "off", ["足球"]),
    ("提升社区养犬管理水平", None, 800, "off", ["犬"]),
    ("推动电子竞技产业发展", None, 2000, "off", ["电子竞技", "电竞"]),
    ("规范宠物医疗行业", None, 500, "off", ["宠物"]),
]
HELD_OUT = [
    ("加强意识形态工作", "全市意识形态工作会议", 1000, "genre", ["意识形态", "宣传", "舆论", "思想"]),
    ("推进新型城镇化", None, 1800, "genre", ["城镇化", "城镇", "城市", "户籍", "农业转移人口"]),
    ("扩大内需促进消费", None, 2200, "genre", ["内需", "消费"]),
    ("发展冰雪旅游", "全区冰雪旅游工作推进会", 700, "genre", ["冰雪", "旅游"]),
    ("推广预制菜产业", None, 1200, "off", ["预制菜"]),
    ("元宇宙应用场景建设", None, 900, "off", ["元宇宙"]),
]

MARKER = re.compile(r"\[\d+\]")
MEASURE = re.compile(r"[一二三四五六七八九十]是([^。！？]*[。！？])")
DOUBLED = re.compile(r"我们(?:将|要)[^。；]*我们(?:将|要|必须)|将(?:坚持|继续|进一步|切实)?将(?!来)|将要|要要|必须必须|"
                     r"我们将(?:只有|要|必须|应当)|我们要(?:要|必须|将要)|我们(?:将|要)[^，。；]{0,12}(?:党委|党组织|政府|单位)要")
REDACTION = re.compile(r"[*＊×✕]|[XxＸ]{2,}|(?<=[\u4e00-\u9fff])[XxＸ](?=[\u4e00-\u9fff])|某某|○○")


def bigrams(text: str) -> set[str]:
    t = re.sub(r"[\s\W_\d]+", "", MARKER.sub("", text))
    return {t[i:i + 2] for i in range(len(t) - 1)}


def check(result: dict, target: int, keys: list[str]) -> dict:
    text = result.get("draft", "")
    by_n = {c["n"]: c for c in result.get("citations", [])}
    measures = [m.group(1) for m in MEASURE.finditer(text)]
    doubled = [m[:40] for m in measures if DOUBLED.search(m)]
    redacted = REDACTION.findall(text)
    grams = [bigrams(re.sub(r"^我们(?:将|要)?", "", m)) for m in measures]
    repeated = [(measures[i][:30], measures[j][:30]) for i in range(len(grams)) for j in range(i + 1, len(grams))
                if grams[i] and grams[j] and len(grams[i] & grams[j]) >= 0.5 * min(len(grams[i]), len(grams[j]))]
    off = []
    for m in measures:
        quotes = [by_n[int(n)]["quote"] for n in re.findall(r"\[(\d+)\]", m) if int(n) in by_n]
        if not any(k in q for q in quotes for k in keys):
            off.append(m[:40])
    length = result.get("length", 0)
    return {"measures": len(measures), "doubled": doubled, "redacted": redacted, "repeated": repeated,
            "off_topic": off, "length": length, "ratio": round(length / target, 3),
            "coverage": result.get("coverage"), "grounded": result.get("grounded"),
            "slots": text.count("[待补："), "parts": len(re.findall(r"(?m)^[一二三四五六]、", text))}


def passes(row: dict) -> bool:
    ok = not (row["doubled"] or row["redacted"] or row["repeated"])
    ok &= 0.8 <= row["ratio"] <= 1.2 or row["coverage"] in ("thin", "none")
    if row["corpus"] == "off":
        ok &= row["coverage"] in ("thin", "none") and not row["off_topic"]
    return ok


def run(kb: str) -> dict:
    from jianghua.app import Jianghua
    from jianghua.settings import Settings
    app = Jianghua(Settings.from_env().with_(kb=Path(kb)), create=False)
    app.draft("预热", None, 300)                      # load models and tokenizer outside the timings
    rows = []
    for held, topics in ((False, TOPICS), (True, HELD_OUT)):
        for topic, occasion, length, corpus, keys in topics:
            t0 = time.perf_counter()
            r = app.draft(topic, occasion, length)
            row = {"topic": topic, "occasion": occasion, "target": length, "corpus": corpus, "held_out": held,
                   **check(r, length, keys), "seconds": round(time.perf_counter() - t0, 2)}
            row["pass"] = passes(row)
            rows.append(row)
            print(f"{'held-out ' if held else ''}{topic} [{corpus}] {length} → {row['length']} ({row['ratio']}) "
                  f"{row['coverage']} measures {row['measures']} parts {row['parts']} off {len(row['off_topic'])} "
                  f"doubled {len(row['doubled'])} repeated {len(row['repeated'])} redacted {len(row['redacted'])} "
                  f"{'PASS' if row['pass'] else 'FAIL'} {row['seconds']} s", flush=True)
    total = {k: sum(len(r[k]) for r in rows) for k in ("doubled", "redacted", "repeated", "off_topic")}
    off_rows = [r for r in rows if r["corpus"] == "off"]
    summary = {
        "topics": len(rows), "held_out": sum(r["held_out"] for r in rows), "passed": sum(r["pass"] for r in rows),
        **{f"{k}_total": v for k, v in total.items()},
        "off_topic_on_corpus_topics": sum(len(r["off_topic"]) for r in rows if r["corpus"] != "off"),
        "off_topic_on_off_corpus_topics": sum(len(r["off_topic"]) for r in off_rows),
        "off_corpus_thin_or_none": f"{sum(r['coverage'] in ('thin', 'none') for r in off_rows)}/{len(off_rows)}",
        "length_ok_or_thin": f"{sum(0.8 <= r['ratio'] <= 1.2 or r['coverage'] in ('thin', 'none') for r in rows)}"
                             f"/{len(rows)}",
        "within_20_percent": f"{sum(0.8 <= r['ratio'] <= 1.2 for r in rows)}/{len(rows)}",
        "coverage": {c: sum(r["coverage"] == c for r in rows) for c in ("sufficient", "thin", "none")},
        "seconds_p50": sorted(r["seconds"] for r in rows)[len(rows) // 2],
    }
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load_average": os.getloadavg(),
            "kb": kb, "summary": summary, "rows": rows}


def table(res: dict) -> str:
    lines = ["| topic | corpus | target | length (ratio) | coverage | measures | parts | off-topic | doubled | "
             "repeated | redacted | pass |", "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in res["rows"]:
        name = r["topic"] + (" (held out)" if r["held_out"] else "")
        lines.append(f"| {name} | {r['corpus']} | {r['target']} | {r['length']} ({r['ratio']:.2f}) | {r['coverage']} | "
                     f"{r['measures']} | {r['parts']} | {len(r['off_topic'])} | {len(r['doubled'])} | "
                     f"{len(r['repeated'])} | {len(r['redacted'])} | {'✓' if r['pass'] else '✗'} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kb", default=os.environ.get("JIANGHUA_KB", "/tmp/kb-drafts"))
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "draft_quality.json"))
    args = p.parse_args()
    res = run(args.kb)
    Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(res["summary"], ensure_ascii=False, indent=1))
    print(table(res))
    return 0 if res["summary"]["passed"] == res["summary"]["topics"] else 1


if __name__ == "__main__":
    sys.exit(main())
