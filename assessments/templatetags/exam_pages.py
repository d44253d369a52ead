"""The repeated parts of the two pages every exam taker loads once per attempt: the questions being answered and
the reviewed answers. Each is the same markup the template language would give, built here from escaped pieces:
Django's template engine spends about half a millisecond of CPU per question on them (its per-node rendering,
context lookups and number localisation), which 2,000 takers on two cores pay again and again (issue #21:
measured with py-spy under load and a CPU meter per request). The page around them stays a template."""

from django import template
from django.template.defaultfilters import floatformat, linebreaksbr
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from assessments.selectors import ReviewItem, SheetItem

register = template.Library()


@register.simple_tag
def attempt_questions(sheet: list[SheetItem], position: int, one_per_page: bool) -> SafeString:
    """One fieldset a question (one per page: all but ``position`` hidden), with the learner's answers."""
    your_answer, flag = escape(gettext("Your answer")), escape(gettext("Flag for review"))
    parts = []
    for item in sheet:
        n = item.position
        hidden = " hidden" if one_per_page and n != position else ""
        points = escape(gettext("%(points)s points") % {"points": floatformat(item.points, "-2")})
        parts.append(
            f'<fieldset class="card question" data-position="{n}" data-kind="{escape(item.kind)}" id="q{n}"{hidden}>'
            f'<legend><span class="q-number">{n}</span><span class="tag">{escape(item.kind_label)}</span>'
            f'<span class="muted">{points}</span></legend>'
            f'<p class="q-text">{linebreaksbr(item.text, autoescape=True)}</p>')
        if item.kind == "essay":
            parts.append(f'<label class="visually-hidden" for="t{n}">{your_answer}</label>'
                         f'<textarea id="t{n}" name="t{n}" rows="7" maxlength="5000">{escape(item.essay_text)}'
                         f'</textarea>')
        else:
            parts.append(f'<input type="hidden" name="q{n}-present" value="1"><ul class="choices">')
            kind = item.input_type
            for choice in item.choices:
                checked = " checked" if choice.picked else ""
                parts.append(f'<li><label class="choice"><input type="{kind}" name="q{n}" '
                             f'value="{escape(choice.token)}"{checked}><span><b>{escape(choice.letter)}.</b> '
                             f'{escape(choice.text)}</span></label></li>')
            parts.append("</ul>")
        flagged = " checked" if item.flagged else ""
        parts.append(f'<input type="hidden" name="f{n}-present" value="1">'
                     f'<label class="flag"><input type="checkbox" name="f{n}"{flagged}> {flag}</label></fieldset>')
    return mark_safe("".join(parts))  # noqa: S308  (every piece above is escaped or our own markup)


@register.simple_tag
def attempt_question_links(sheet: list[SheetItem], position: int, one_per_page: bool) -> SafeString:
    """The question navigator's items: answered and flagged marks, the current question."""
    parts = []
    for item in sheet:
        n = item.position
        classes = " ".join(name for name, on in (("answered", item.answered), ("flagged", item.flagged)) if on)
        current = ' aria-current="step"' if one_per_page and n == position else ""
        href = f"?q={n}" if one_per_page else f"#q{n}"
        parts.append(f'<li><a data-nav="{n}" class="{classes}"{current} href="{href}">{n}</a></li>')
    return mark_safe("".join(parts))  # noqa: S308  (numbers and our own markup only)


@register.simple_tag
def reviewed_answers(items: list[ReviewItem]) -> SafeString:
    """One card a reviewed question: outcome, score, the choices with what the policy reveals, explanation."""
    outcomes = {"right": ("tag tag-ok", gettext("Right")), "partial": ("tag tag-warn", gettext("Partly right")),
                "wrong": ("tag tag-bad", gettext("Wrong")), "pending": ("tag", gettext("Awaiting grading"))}
    yours, correct = escape(gettext("your answer")), escape(gettext("correct answer"))
    no_answer, comment = gettext("(no answer)"), escape(gettext("Lecturer's comment"))
    explanation, basis = escape(gettext("Explanation")), escape(gettext("Legal basis"))
    parts = []
    for item in items:
        css, label = outcomes.get(item.outcome, outcomes["pending"])
        score = (f'<span class="muted">{floatformat(item.score, "-2")}/{floatformat(item.max_score, "-2")}</span>'
                 if item.score is not None else "")
        parts.append(
            f'<article class="card review-item outcome-{escape(item.outcome)}" data-position="{item.position}">'
            f'<h2 class="q-head"><span class="q-number">{item.position}</span>'
            f'<span class="tag">{escape(item.kind_label)}</span> <span class="{css}">{escape(label)}</span> {score}'
            f'</h2><p class="q-text">{linebreaksbr(item.text, autoescape=True)}</p>')
        if item.kind == "essay":
            answer = linebreaksbr(item.essay_text or no_answer, autoescape=True)
            parts.append(f'<blockquote class="essay-answer">{answer}</blockquote>')
            if item.grader_comment:
                parts.append(f"<p><b>{comment}</b>：{escape(item.grader_comment)}</p>")
        else:
            parts.append('<ul class="choices review">')
            for choice in item.choices:
                classes = " ".join(name for name, on in (("picked", choice.picked), ("correct", choice.correct)) if on)
                parts.append(f'<li class="{classes}"><b>{escape(choice.letter)}.</b> {escape(choice.text)}')
                if choice.picked:
                    parts.append(f' <span class="tag">{yours}</span>')
                if choice.correct:
                    parts.append(f' <span class="tag tag-ok">{correct}</span>')
                if choice.feedback:
                    parts.append(f'<br><span class="muted">{escape(choice.feedback)}</span>')
                parts.append("</li>")
            parts.append("</ul>")
        if item.explanation:
            parts.append(f'<p class="explanation"><b>{explanation}</b>：{escape(item.explanation)}</p>')
        if item.legal_reference:
            parts.append(f'<p class="muted">{basis}：{escape(item.legal_reference)}</p>')
        parts.append("</article>")
    return mark_safe("".join(parts))  # noqa: S308  (every piece above is escaped or our own markup)

