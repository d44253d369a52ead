"""Finding Chinese words inside lessons, modules and case reviews with Wagtail search.

Chinese is written without spaces, so both of the database backends' tokenisers (SQLite FTS5 ``unicode61`` and
PostgreSQL's parser) see a whole run of Han characters up to the next punctuation mark as ONE token: a lesson
sentence "宅基地使用权纠纷的调解" is one word, and a search for 宅基地 finds nothing. A dictionary segmenter (jieba)
would need a vocabulary of legal terms and a new dependency; partial matching only matches token prefixes.

So each searchable page also indexes a field of overlapping character pairs (bigrams) of its Han text — the classic
CJK approach of Lucene's CJKAnalyzer — and a query is turned into its bigrams joined by AND: 宅基地 → 宅基 AND 基地.
This behaves the same on SQLite and PostgreSQL, uses the backends' own full-text indexes (nothing slow), and needs
no vocabulary. Its one weakness, a page holding 宅基 and 基地 apart, is rare for words of three or more characters."""

import re

from django.core.exceptions import FieldDoesNotExist
from wagtail.search import index

# CJK Unified Ideographs with extension A, and compatibility ideographs.
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
NON_HAN_WORD = re.compile(r"[^\W\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def han_bigrams(text: str) -> list[str]:
    """Overlapping pairs of each run of Han characters: "宅基地 纠纷" → ["宅基", "基地", "纠纷"]. A run of a single
    character gives nothing (a lone character is not a useful search term)."""
    return [run[i:i + 2] for run in HAN_RUN.findall(text or "") for i in range(len(run) - 1)]


def search_terms(query: str) -> list[str]:
    """The terms a learner's query is searched by: the bigrams of its Han text and its other words (Latin, digits),
    in order and without repeats."""
    terms = han_bigrams(query) + NON_HAN_WORD.findall(query or "")
    return list(dict.fromkeys(terms))


class HanBigramSearchMixin:
    """Adds an index field of the Han bigrams of a page's other search fields (title, body, rich text...)."""

    def han_bigram_text(self) -> str:
        texts: list[str] = []
        for field in self.search_fields:
            if not isinstance(field, index.SearchField) or field.field_name == "han_bigram_text":
                continue
            value = getattr(self, field.field_name)
            try:
                model_field = self._meta.get_field(field.field_name)
            except FieldDoesNotExist:  # a method used as a search field
                model_field = None
            # StreamField and RichTextField give their text without markup; plain fields are their own text.
            if content := getattr(model_field, "get_searchable_content", None):
                texts.extend(str(text) for text in content(value))
            else:
                texts.append(str(value or ""))
        return " ".join(dict.fromkeys(han_bigrams(" ".join(texts))))
