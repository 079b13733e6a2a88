"""The functional test suite: pass rates per functionality, in the style of HateCheck.

A suite is a directory with `functionalities.toml` (one table a functionality:
`lang`, `gold` "toxic" or "civil", optional `flag`, `description`), one
`cases/<id>.jsonl` file per functionality ({"text": ...} a line) and
`thresholds.toml` (`functionality` and `overall`, pass rates in [0, 1]).

A case passes when the pipeline's `toxic` value equals its gold label and,
where the functionality names a flag, that flag is raised too: dehumanisation
caught only as an insult would be held instead of rejected.
"""

from dataclasses import dataclass, field
from pathlib import Path

from .data import DataError, read_jsonl, read_toml
from .evaluation import moderate_all
from .labels import BEHAVIOUR_FLAGS, LANGUAGES

GOLDS = ("toxic", "civil")


@dataclass
class Functionality:
    id: str
    lang: str
    gold: str
    description: str
    flag: str = None
    cases: list = field(default_factory=list)  # texts


@dataclass
class Suite:
    functionalities: list
    min_functionality: float
    min_overall: float


def _rate(table, name, path):
    value = table.get(name)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise DataError(f"{path}: {name} must be a pass rate between 0 and 1, not {value!r}")
    return float(value)


def load_suite(directory):
    """Read and check a suite directory; raises DataError naming the file (and line) at fault."""
    directory = Path(directory)
    spec_path = directory / "functionalities.toml"
    spec = read_toml(spec_path)
    if not spec:
        raise DataError(f"{spec_path}: no functionality")
    functionalities = []
    for fid, table in spec.items():
        where = f"{spec_path}: [{fid}]"
        if not isinstance(table, dict):
            raise DataError(f"{where} must be a table")
        if table.get("gold") not in GOLDS:
            raise DataError(f"{where}: gold must be one of {GOLDS}, not {table.get('gold')!r}")
        if table.get("lang") not in LANGUAGES:
            raise DataError(f"{where}: lang must be one of {LANGUAGES}, not {table.get('lang')!r}")
        flag = table.get("flag")
        if flag is not None and (flag not in BEHAVIOUR_FLAGS or table["gold"] != "toxic"):
            raise DataError(f"{where}: flag must be one of {BEHAVIOUR_FLAGS} on a toxic functionality")
        func = Functionality(fid, table["lang"], table["gold"], str(table.get("description", "")), flag)
        cases_path = directory / "cases" / f"{fid}.jsonl"
        seen = set()
        for lineno, obj in read_jsonl(cases_path):
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                raise DataError(f"{cases_path}:{lineno}: \"text\" must be a non-empty string")
            if text in seen:
                raise DataError(f"{cases_path}:{lineno}: duplicate case")
            seen.add(text)
            func.cases.append(text)
        if not func.cases:
            raise DataError(f"{cases_path}: no case")
        functionalities.append(func)
    stray = sorted({p.stem for p in (directory / "cases").glob("*.jsonl")} - set(spec))
    if stray:
        raise DataError(f"{directory / 'cases'}: case files without a functionality: {', '.join(stray)}")
    thresholds_path = directory / "thresholds.toml"
    thresholds = read_toml(thresholds_path)
    return Suite(functionalities, _rate(thresholds, "functionality", thresholds_path),
                 _rate(thresholds, "overall", thresholds_path))


def passes(func, result):
    """Whether one pipeline result meets the functionality's expectation."""
    flags = result["flags"]
    if flags["toxic"]["value"] != (func.gold == "toxic"):
        return False
    return func.flag is None or flags[func.flag]["value"]


def run_suite(moderator, suite):
    """Run every case through the pipeline.

    Returns {"functionalities": [{id, lang, gold, flag, description, n, passed, pass_rate, ok,
    failures: [{text, decision, raised, toxic_score}]}], "n", "passed", "pass_rate", "ok", thresholds}.
    """
    items = [(f, text) for f in suite.functionalities for text in f.cases]
    results = moderate_all(moderator, [{"text": text} for _, text in items], desc="functional suite")
    per = {f.id: {"n": 0, "passed": 0, "failures": []} for f in suite.functionalities}
    for (func, text), result in zip(items, results):
        row = per[func.id]
        row["n"] += 1
        if passes(func, result):
            row["passed"] += 1
        else:
            row["failures"].append({
                "text": text, "decision": result["decision"],
                "raised": [f for f in BEHAVIOUR_FLAGS if result["flags"][f]["value"]],
                "toxic_score": result["flags"]["toxic"]["score"],
            })
    rows = []
    for func in suite.functionalities:
        row = per[func.id]
        rate = row["passed"] / row["n"]
        rows.append({"id": func.id, "lang": func.lang, "gold": func.gold, "flag": func.flag,
                     "description": func.description, "n": row["n"], "passed": row["passed"],
                     "pass_rate": round(rate, 4), "ok": rate >= suite.min_functionality,
                     "failures": row["failures"]})
    n, passed = sum(r["n"] for r in rows), sum(r["passed"] for r in rows)
    overall = passed / n
    return {"functionalities": rows, "n": n, "passed": passed, "pass_rate": round(overall, 4),
            "min_functionality": suite.min_functionality, "min_overall": suite.min_overall,
            "ok": overall >= suite.min_overall and all(r["ok"] for r in rows)}


def format_report(report, show_failures=0):
    """The report as a text table; `show_failures` failed cases listed per functionality."""
    lines = [f"{'functionality':22} {'lang':4} {'expect':20} {'pass':>9} {'rate':>7}"]
    for r in report["functionalities"]:
        expect = r["gold"] + (f"+{r['flag']}" if r["flag"] else "")
        mark = "" if r["ok"] else f"  < {report['min_functionality']:.0%}"
        lines.append(f"{r['id']:22} {r['lang']:4} {expect:20} {r['passed']:>4}/{r['n']:<4} {r['pass_rate']:>7.1%}{mark}")
        for failure in r["failures"][:show_failures]:
            raised = ",".join(failure["raised"]) or "-"
            lines.append(f"      x {failure['decision']:7} {raised:30} {failure['text'][:90]}")
    lines.append(f"{'overall':22} {'':4} {'':20} {report['passed']:>4}/{report['n']:<4} {report['pass_rate']:>7.1%}"
                 + ("" if report["pass_rate"] >= report["min_overall"] else f"  < {report['min_overall']:.0%}"))
    worst = min(report["functionalities"], key=lambda r: r["pass_rate"])
    lines.append(f"bars: every functionality >= {report['min_functionality']:.0%} (lowest {worst['id']} "
                 f"{worst['pass_rate']:.1%}), overall >= {report['min_overall']:.0%}: "
                 + ("PASS" if report["ok"] else "FAIL"))
    return "\n".join(lines)
