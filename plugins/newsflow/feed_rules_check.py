"""Checking the rule keys of the feed list (:data:`~newsflow.feed_rules.RULE_KEYS` on a feed,
and the ``sites:`` section), every problem a ``FILE:LINE: what is wrong; how to fix it`` line
like the rest of the feed list (:mod:`newsflow.feed_check`). The rules' meaning is in
:mod:`newsflow.feed_rules`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping

import yaml

from newsflow.body_selector import selector_problem
from newsflow.feed_check import _NULL_TAG, _kind
from newsflow.feed_check import _text as _scalar
from newsflow.feed_rules import CONDITION_KINDS, RULE_KEYS, Condition, Rule, ascii_host
from newsflow.index.query import parse
from newsflow.langtags import normalize_language

Report = Callable[[yaml.Node, str], None]
"""Records one problem at a node's line."""

_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}


def check_rule(report: Report, label: str, fields: Mapping[str, yaml.Node]) -> Rule | None:
    """The rule of a feed's (or site's) rule keys in ``fields`` (key → value node); None when
    it has none or a problem was reported."""
    if not any(key in fields for key in RULE_KEYS):
        return None
    problems: list[tuple[yaml.Node, str]] = []

    def problem(node: yaml.Node, message: str) -> None:
        problems.append((node, f"{label}: {message}"))

    include = _conditions(problem, "include", fields.get("include"))
    exclude = _conditions(problem, "exclude", fields.get("exclude"))
    selector = None
    if "selector" in fields:
        node = fields["selector"]
        selector = _scalar(node)
        why = "must be text" if selector is None else selector_problem(selector)
        if why:
            problem(node, f"selector {selector or _kind(node)!r} {why}; write a CSS selector "
                          "(article .story-body) or an XPath starting with / (//div[@id='text'])")
    paywall = None
    if "paywall" in fields:
        node = fields["paywall"]
        paywall = _BOOLEANS.get((_scalar(node) or "").lower())
        if paywall is None:
            problem(node, f"paywall must be true or false, found {_kind(node)}")
    for node, message in sorted(problems, key=lambda p: int(p[0].start_mark.line)):  # in file order
        report(node, message)
    return None if problems else Rule(include, exclude, selector, paywall)


def _conditions(problem: Report, key: str, node: yaml.Node | None) -> tuple[Condition, ...]:
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problem(node, f"{key} must be a list of conditions, found {_kind(node)}; "
                      f"e.g. {key}: [{{url: '*/live/*'}}, {{query: 'transfer OR \"match report\"'}}]")
        return ()
    out: list[Condition] = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode) or len(item.value) != 1:
            problem(item, f"each {key} condition is one 'kind: value' "
                          f"({', '.join(CONDITION_KINDS)}), found {_kind(item)}")
            continue
        key_node, value_node = item.value[0]
        kind = _scalar(key_node)
        if kind not in CONDITION_KINDS:
            hint = difflib.get_close_matches(str(kind), CONDITION_KINDS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            problem(key_node, f"unknown {key} condition {kind!r}{suggestion}; "
                              f"allowed: {', '.join(CONDITION_KINDS)}")
            continue
        value = _scalar(value_node)
        if value is None or not isinstance(value_node, yaml.ScalarNode):
            problem(value_node, f"{key} {kind} must be non-empty text, found {_kind(value_node)}")
            continue
        checked = _condition_value(kind, value)
        if isinstance(checked, _Problem):
            problem(value_node, f"{key} {kind} {value!r} {checked.message}")
            continue
        out.append(Condition(kind, checked))
    return tuple(out)


class _Problem:
    def __init__(self, message: str) -> None:
        self.message = message


def _condition_value(kind: str, value: str) -> str | _Problem:
    """The value to keep (a language normalised), or what is wrong with it."""
    if kind == "url_regex":
        try:
            re.compile(value)
        except re.error as exc:
            return _Problem(f"is not a valid regular expression ({exc}); Python re syntax, "
                            "e.g. '/20[0-9]{2}/live-'")
    elif kind == "section" and not value.startswith("/"):
        return _Problem("must be a URL path starting with '/', e.g. '/sport/'")
    elif kind == "language":
        code = normalize_language(value)
        if code is None:
            return _Problem("is not a language tag; write a BCP 47 tag such as 'en', 'de-AT' or 'pt-BR'")
        return code
    elif kind == "query" and parse(value).empty:
        return _Problem("has no word to match; write words, \"phrases\", OR and -exclusions")
    return value


def check_sites(report: Report, node: yaml.Node) -> tuple[tuple[str, Rule], ...]:
    """The ``sites:`` section: host name → rule keys."""
    if not isinstance(node, yaml.MappingNode):
        report(node, "'sites:' must map host names to rules (example.com: {selector: article}), "
                     f"found {_kind(node)}")
        return ()
    out: list[tuple[str, Rule]] = []
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        raw = _scalar(key_node) or ""
        host = ascii_host(raw)
        label = f"site {raw!r}"
        if not _HOST.match(host):
            report(key_node, f"{label} is not a host name; write the site's domain without "
                             "scheme or path, e.g. example.com (it covers www.example.com too)")
            continue
        line = int(key_node.start_mark.line) + 1
        first = seen.setdefault(host, line)
        if first != line:
            report(key_node, f"{label} appears twice (first at line {first}); keep one")
            continue
        if not isinstance(value_node, yaml.MappingNode):
            report(value_node, f"{label}: expected a mapping of {', '.join(RULE_KEYS)}, found {_kind(value_node)}")
            continue
        fields: dict[str, yaml.Node] = {}
        bad = False
        for k, v in value_node.value:
            name = _scalar(k)
            if name not in RULE_KEYS or name in fields:
                hint = difflib.get_close_matches(str(name), RULE_KEYS, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                what = "appears twice" if name in fields else f"is not a rule key{suggestion}"
                report(k, f"{label}: key {name!r} {what}; allowed keys: {', '.join(RULE_KEYS)}")
                bad = True
                continue
            fields[name] = v
        rule = check_rule(report, label, fields)
        if rule is not None and not bad:
            out.append((host, rule))
        elif not fields and not bad:
            report(value_node, f"{label}: no rules; give at least one of {', '.join(RULE_KEYS)}")
    return tuple(out)
