"""JUnit XML for a graded class: one testsuite per submission, one testcase per part of the score."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from ..grade.model import GRADED, Grade
from . import escape as unsafe
from .grades_gradescope import PART_NAMES


def _clean(text: str) -> str:
    """Student text without the characters XML 1.0 forbids (or a terminal would obey)."""
    return unsafe.text(text)


def _attr(text: str) -> str:
    return quoteattr(_clean(text))


def render(grades: list[Grade], name: str = "derivcheck grade") -> str:
    """The XML document (no timing attributes, so the same grades give the same bytes)."""
    suites, failures, errors, tests = [], 0, 0, 0
    for g in grades:
        cases, f, e = _cases(g)
        failures, errors, tests = failures + f, errors + e, tests + len(cases)
        suites.append(
            f"  <testsuite name={_attr(g.id)} tests=\"{len(cases)}\" failures=\"{f}\" errors=\"{e}\">\n"
            f"    <properties>\n"
            f"      <property name=\"score\" value=\"{g.score:g}\"/>\n"
            f"      <property name=\"max_score\" value=\"{g.max_score:g}\"/>\n"
            f"      <property name=\"status\" value={_attr(g.status)}/>\n"
            f"    </properties>\n" + "".join(cases) + "  </testsuite>\n")
    head = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name={_attr(name)} tests=\"{tests}\" "
            f"failures=\"{failures}\" errors=\"{errors}\">\n")
    return head + "".join(suites) + "</testsuites>\n"


def _cases(g: Grade) -> tuple[list[str], int, int]:
    cls = _attr(g.id)
    if g.status != GRADED:
        body = f"      <error message={_attr(g.status + ': ' + g.reason)}/>\n"
        return [f"    <testcase classname={cls} name=\"grading\">\n{body}    </testcase>\n"], 0, 1
    out, failures = [], 0
    for p in g.parts:
        name = _attr(PART_NAMES.get(p.name, p.name))
        if p.earned >= p.max:
            out.append(f"    <testcase classname={cls} name={name}/>\n")
            continue
        failures += 1
        message = _attr(f"{p.earned:g} of {p.max:g}")
        out.append(f"    <testcase classname={cls} name={name}>\n"
                   f"      <failure message={message}>{escape(_clean(p.explanation))}</failure>\n"
                   f"    </testcase>\n")
    return out, failures, 0
