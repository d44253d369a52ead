"""The branching graph of a simulated mediation: reading it from the page, checking it, scoring a path.

A scenario is a list of steps and endings joined by keys. A run starts at the first step; each choice leads to a step
or an ending. Authors may build loops (a party storms out, the mediator tries again) as long as every loop has a way
out: from every step that can be reached, some ending must still be reachable."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .choices import Competency


@dataclass(frozen=True)
class Choice:
    text: str
    leads_to: str
    feedback: str
    points: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.points.values())


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    situation: str
    statements: list[tuple[str, str]]
    choices: list[Choice]

    def best_points(self) -> dict[str, int]:
        """Per competency, the most any one choice here could earn (never below zero)."""
        best: dict[str, int] = {}
        for choice in self.choices:
            for competency, points in choice.points.items():
                best[competency] = max(best.get(competency, 0), points)
        return best

    def best_total(self) -> int:
        return max([0] + [choice.total for choice in self.choices])

    def best_choices(self) -> list[Choice]:
        """The choices earning the most here (several when they tie)."""
        best = max(choice.total for choice in self.choices)
        return [choice for choice in self.choices if choice.total == best]


@dataclass(frozen=True)
class Ending:
    key: str
    title: str
    outcome: str
    text: str
    outcome_label: str = ""


@dataclass
class Graph:
    nodes: dict[str, Step | Ending] = field(default_factory=dict)
    start: str | None = None
    duplicate_keys: list[str] = field(default_factory=list)

    def step(self, key: str) -> Step | None:
        node = self.nodes.get(key)
        return node if isinstance(node, Step) else None


def _points(scores) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in scores:
        totals[row["competency"]] += int(row["points"])
    return dict(totals)


def graph_from_stream(stream) -> Graph:
    """Build the graph from a ``ScenarioGraphBlock`` stream value."""
    graph = Graph()
    for block in stream:
        value = block.value
        key = value["key"]
        if block.block_type == "step":
            node = Step(
                key=key, title=value["title"], situation=value["situation"],
                statements=[(s["speaker"], s["words"]) for s in value["statements"]],
                choices=[Choice(text=c["text"], leads_to=c["leads_to"], feedback=c["feedback"],
                                points=_points(c["scores"])) for c in value["choices"]],
            )
            if graph.start is None:
                graph.start = key
        else:
            node = Ending(key=key, title=value["title"], outcome=value["outcome"], text=value["text"],
                          outcome_label=value.get("outcome_label") or "")
        if key in graph.nodes:
            graph.duplicate_keys.append(key)
        graph.nodes[key] = node
    return graph


def _reachable(graph: Graph, start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        key = stack.pop()
        if key in seen or key not in graph.nodes:
            continue
        seen.add(key)
        node = graph.nodes[key]
        if isinstance(node, Step):
            stack.extend(choice.leads_to for choice in node.choices)
    return seen


def graph_problems(graph: Graph) -> list[str]:
    """Everything that would stop a learner from finishing: an empty list means the graph may be saved."""
    problems = [_("The key “%(key)s” is used more than once.") % {"key": key} for key in graph.duplicate_keys]
    if graph.start is None:
        return problems + [_("A scenario needs at least one step; the first step is where a run starts.")]
    endings = [key for key, node in graph.nodes.items() if isinstance(node, Ending)]
    if not endings:
        problems.append(_("A scenario needs at least one ending."))
    for node in graph.nodes.values():
        if isinstance(node, Step):
            for choice in node.choices:
                if choice.leads_to not in graph.nodes:
                    problems.append(_("In step “%(step)s”, the choice “%(choice)s” points to “%(target)s”, "
                                      "which does not exist.") % {
                        "step": node.key, "choice": choice.text, "target": choice.leads_to})
    reachable = _reachable(graph, graph.start)
    for key in graph.nodes:
        if key not in reachable:
            kind = _("ending") if isinstance(graph.nodes[key], Ending) else _("step")
            problems.append(_("The %(kind)s “%(key)s” cannot be reached from the first step.") % {
                "kind": kind, "key": key})
    for key in sorted(reachable):
        if isinstance(graph.nodes[key], Step) and not any(
                isinstance(graph.nodes[k], Ending) for k in _reachable(graph, key)):
            problems.append(_("From step “%(key)s” no ending can be reached: a loop has no way out.") % {"key": key})
    return problems


def steps_to_end(graph: Graph, key: str) -> int:
    """The most steps, counting ``key``'s own, a run can still take from the step ``key`` to an ending without
    visiting a step twice (0 at an ending). A step counter "2 of N" built on it can only shrink as a run goes on
    (a shortcut ends early), never grow."""

    def longest(node_key: str, visited: frozenset) -> int | None:
        node = graph.nodes.get(node_key)
        if isinstance(node, Ending):
            return 0
        if node is None or node_key in visited:
            return None
        ways = [longest(choice.leads_to, visited | {node_key}) for choice in node.choices]
        ways = [way for way in ways if way is not None]
        return 1 + max(ways) if ways else None

    return longest(key, frozenset()) or 0


class ChoiceQuality:
    """How a choice compares with the best one at its step, from the points alone (authors set no extra field):
    the most a step allows is good, below it but not harmful could be better, losing points is harmful."""

    GOOD, BETTER_POSSIBLE, HARMFUL = "good", "better-possible", "harmful"


def choice_quality(total: int, best_total: int) -> str:
    if total >= best_total:
        return ChoiceQuality.GOOD
    return ChoiceQuality.HARMFUL if total < 0 else ChoiceQuality.BETTER_POSSIBLE


def percent(earned: int, possible: int) -> int:
    """0-100; a path on which nothing could be earned counts as full marks."""
    if possible <= 0:
        return 100
    return max(0, min(100, round(100 * earned / possible)))


def score_path(taken: list[tuple[dict[str, int], dict[str, int], int]]) -> tuple[int, dict[str, int]]:
    """Score a finished path. ``taken`` holds, for each step visited, (points of the chosen choice, best points
    per competency at that step, best total at that step). Returns the overall percent and a percent per
    competency that was in play."""
    earned_total = sum(sum(points.values()) for points, _best, _best_total in taken)
    possible_total = sum(best_total for _points, _best, best_total in taken)
    by_competency = {}
    for competency in Competency.values:
        possible = sum(best.get(competency, 0) for _points, best, _t in taken)
        if possible:
            earned = sum(points.get(competency, 0) for points, _best, _t in taken)
            by_competency[competency] = percent(earned, possible)
    return percent(earned_total, possible_total), by_competency
